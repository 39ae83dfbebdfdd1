"""French matching on the configured engine (SQLite FTS5 in `make test`, PostgreSQL when
DATABASE_URL points to one): what a counsellor types finds what they mean."""

import pytest

from tests.search.conftest import run_search, titles

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(make_entry):
    make_entry("Préparer l'entretien de VAE", summary="Les étapes de la validation des acquis de l'expérience.",
               body="Les conseillères accompagnent le candidat jusqu'au jury.")
    make_entry("Évaluation des compétences transférables", body="Un conseiller évalue les acquis avec la personne.")
    make_entry("Mobiliser son CPF", body="Le compte personnel de formation finance un bilan de compétences.")
    make_entry("Reconnaissance du handicap", body="La RQTH ouvre des droits ; le PTP finance une reconversion.")
    make_entry("Le bilan annuel des compétences", body="Ici le mot bilan est loin du mot compétences dans le texte.")
    make_entry("Œuvrer en équipe", body="Travail collectif des structures.")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("conseiller", {"Préparer l'entretien de VAE", "Évaluation des compétences transférables"}),
        ("CONSEILLÈRES", {"Préparer l'entretien de VAE", "Évaluation des compétences transférables"}),
        ("evaluation", {"Évaluation des compétences transférables"}),
        ("entretien", {"Préparer l'entretien de VAE"}),
        ("l'entretien", {"Préparer l'entretien de VAE"}),
        ("vae", {"Préparer l'entretien de VAE"}),
        ("CPF", {"Mobiliser son CPF"}),
        ("ptp", {"Reconnaissance du handicap"}),
        ("RQTH", {"Reconnaissance du handicap"}),
        ("oeuvrer", {"Œuvrer en équipe"}),
        ("equipe", {"Œuvrer en équipe"}),
        ("acquis experience", {"Préparer l'entretien de VAE"}),
    ],
)
def test_french_forms_accents_case_elisions_and_acronyms_match(corpus, query, expected):
    assert set(titles(run_search(query))) == expected


def test_every_word_is_required(corpus):
    assert titles(run_search("conseiller jury")) == ["Préparer l'entretien de VAE"]


def test_stop_words_are_ignored(corpus):
    assert titles(run_search("le handicap")) == ["Reconnaissance du handicap"]


def test_quoted_phrase_needs_the_words_together(corpus):
    found = set(titles(run_search('"bilan de compétences"')))
    assert found == {"Mobiliser son CPF"}
    # Without quotes the words may be anywhere.
    assert set(titles(run_search("bilan compétences"))) == {"Mobiliser son CPF", "Le bilan annuel des compétences"}


def test_a_word_can_be_excluded(corpus):
    assert set(titles(run_search("compétences -cpf"))) == {
        "Évaluation des compétences transférables", "Le bilan annuel des compétences"}
    assert set(titles(run_search('compétences -"compte personnel"'))) == {
        "Évaluation des compétences transférables", "Le bilan annuel des compétences"}


def test_exclusion_alone_lists_everything_else(corpus):
    found = set(titles(run_search("-compétences")))
    assert "Mobiliser son CPF" not in found and "Reconnaissance du handicap" in found


def test_unknown_word_finds_nothing(corpus):
    outcome = run_search("astrophysique")
    assert outcome.total == 0 and outcome.hits == []
