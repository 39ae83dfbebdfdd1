"""The French analysis shared by documents and queries (search.french, search.query)."""

import pytest
from modelsearch.query import And, Not, Phrase, PlainText

from search import french
from search.query import parse


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("conseiller", "conseillères"),
        ("Conseillère", "CONSEILLERS"),
        ("evaluation", "Évaluation"),
        ("évaluations", "evaluation"),
        ("entretien", "l'entretien"),
        ("orientation", "d’orientation"),
        ("emploi", "emplois"),
        ("salarié", "salariées"),
        ("animatrice", "animateurs"),
        ("cœur", "coeur"),
        ("VAE", "vae"),
        ("compétence", "competences"),
    ],
)
def test_two_forms_of_a_word_have_the_same_stems(a, b):
    assert french.stems(a) == french.stems(b)
    assert french.stems(a)


@pytest.mark.parametrize("acronym", ["VAE", "CPF", "PTP", "RQTH", "CEP"])
def test_acronyms_are_kept_and_not_confused_with_short_words(acronym):
    assert french.stems(acronym) == [acronym.lower()]
    assert french.stems("il va") != french.stems("VAE")


def test_elisions_and_stop_words_are_removed():
    assert french.stems("jusqu'à l'entretien, qu'il prépare et puisqu'elle le sait") == ["entretien", "prepar", "sait"]
    assert french.stems("le la les de des et") == []


def test_stems_text_covers_all_given_texts():
    assert french.stems_text("Bilan", "de compétences") == "bilan competent"


def test_parse_terms_phrases_and_exclusions():
    parsed = parse('conseillères "bilan de compétences" -cpf -"mise en situation"')
    assert [c.stems for c in parsed.terms] == [["conseil"]]
    assert [c.stems for c in parsed.phrases] == [["bilan", "competent"]]
    assert [c.stems for c in parsed.excluded] == [["cpf"], ["mis", "situat"]]
    query = parsed.to_search_query(database=True)
    assert isinstance(query, And)
    plain, phrase, not_cpf, not_phrase = query.subqueries
    assert isinstance(plain, PlainText) and plain.query_string == "conseil" and plain.operator == "and"
    assert isinstance(phrase, Phrase) and phrase.query_string == "bilan competent"
    assert isinstance(not_cpf, Not) and not_cpf.subquery.query_string == "cpf"
    assert isinstance(not_phrase, Not) and isinstance(not_phrase.subquery, And)


def test_external_engines_receive_words_not_stems():
    query = parse("Conseillères l'entretien").to_search_query(database=False)
    assert query.query_string == "conseilleres entretien"


def test_query_of_stop_words_only_is_empty_and_quotes_are_harmless():
    assert parse("le la des").is_empty
    assert parse('"').is_empty
    assert parse('"""vae').terms[0].stems == ["vae"]
    assert parse("-").is_empty


def test_only_exclusions_give_a_negated_query():
    query = parse("-cpf -vae").to_search_query(database=True)
    assert isinstance(query, Not)


@pytest.mark.parametrize("text", ["Les conseillères accompagnent l'entretien", "", "VAE : évaluations, VAE !",
                                  "d’orientation et d'orientation"])
def test_the_cached_stem_set_is_the_set_of_the_stems(text):
    """Search re-ranking reads titles' and summaries' stems through a per-process cache."""
    assert french.stem_set(text) == set(french.stems(text))
    assert french.stem_set(text) is french.stem_set(text)
