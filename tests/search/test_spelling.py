""""Did you mean" (search.spelling, session 11): each process keeps the vocabulary ready under a token of
the shared cache, and finds the closest word without running difflib over every word. The suggestion must
equal the former computation (reimplemented below as the reference: the word list read from the cache,
``difflib.get_close_matches`` over it), follow the vocabulary when it changes (every ten minutes, or when
another process read the titles again), and cost no more than one read of the shared cache per page."""

import difflib
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.cache.backends import locmem
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from search import french, searcher, spelling
from search.models import SearchEntry
from search.permissions import reader_for
from search.query import parse


@pytest.fixture(autouse=True)
def _fresh_vocabularies():
    spelling.clear()
    yield
    spelling.clear()


def _former_vocabulary(titles):
    """The former vocabulary: folded words of more than three letters of the titles, sorted."""
    return sorted({french.fold(w) for t in titles for w in french.words(t) if len(w) > 3})


def _former_suggestions(parsed, vocabulary):
    """The former ``searcher.suggestions`` once its word list was read from the cache."""
    known = set(vocabulary)
    changed, out = False, []
    for clause in (*parsed.terms, *parsed.phrases):
        for word in clause.words:
            folded = french.fold(word)
            if folded in known or len(folded) < 4:
                out.append(word)
                continue
            close = difflib.get_close_matches(folded, vocabulary, n=1, cutoff=0.75)
            if close:
                out.append(close[0])
                changed = True
            else:
                out.append(word)
    return " ".join(out) if changed else None


def _former_close(word, words, cutoff=0.75):
    close = difflib.get_close_matches(word, words, n=1, cutoff=cutoff)
    return close[0] if close else None


# Letters of French words, folded or not, a few others (digits, ß, œ, a combining accent, a Greek letter).
LETTERS = "abcdeeeeéèêëfghiiîïjklmnoôœpqrsßtuùûüvwxyzç0123é\u0301λ"
# Few letters: many near words and equal scores.
words_strategy = st.one_of(st.text(alphabet="abcde", min_size=1, max_size=7),
                           st.text(alphabet=LETTERS, min_size=1, max_size=16))


class _Reader:
    """A stand-in reader (the vocabulary only reads ``cache_key``; the titles come from ``_words``)."""

    def __init__(self, key="public"):
        self.cache_key = key

    def shared(self):
        return self


@settings(max_examples=300, deadline=None)
@given(words=st.lists(words_strategy, max_size=60), word=words_strategy,
       cutoff=st.sampled_from([0.75, 0.6, 0.9, 0.0, 1.0]))
@example(words=["mission", "missions", "emission"], word="demission", cutoff=0.75)
@example(words=["avec", "apex", "apel"], word="apec", cutoff=0.75)  # equal scores: the largest word wins
@example(words=["aaab", "aaba"], word="aaaa", cutoff=0.75)
@example(words=["aecbea", "debdc", "ececd"], word="adecd", cutoff=0.6)  # equal scores, different bounds
@example(words=["abcd"], word="x" * 300, cutoff=0.0)  # difflib's autojunk (a word of 200 letters or more)
def test_the_closest_word_is_difflibs(words, word, cutoff):
    words = sorted(set(words))
    assert spelling.Vocabulary(words).close(word, cutoff) == _former_close(word, words, cutoff)


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from(["orientation", "entretien", "accompagnement", "conseiller", "mission",
                                       "bilan", "competences", "parcours", "mobilite", "demission", "cadre",
                                       "entreprise", "transition", "validation"]), max_size=14),
       typo=st.data())
def test_typos_of_known_words_get_difflibs_suggestion(words, typo):
    words = sorted(set(words))
    vocabulary = spelling.Vocabulary(words)
    for original in words:
        chars = list(original)
        for _ in range(typo.draw(st.integers(1, 3))):
            position = typo.draw(st.integers(0, len(chars)))
            action = typo.draw(st.sampled_from(["insert", "delete", "replace", "swap"]))
            letter = typo.draw(st.sampled_from("aeiouéèrstnlc"))
            if action == "insert":
                chars.insert(position, letter)
            elif chars and position < len(chars):
                if action == "delete":
                    del chars[position]
                elif action == "replace":
                    chars[position] = letter
                elif position + 1 < len(chars):
                    chars[position], chars[position + 1] = chars[position + 1], chars[position]
        typed = "".join(chars)
        assert vocabulary.close(typed) == _former_close(typed, words)
        assert vocabulary.close(typed) == _former_close(typed, words)  # remembered: the same answer


TITLE_WORDS = ["l'orientation", "d'entretien", "qu'accompagnement", "jusqu'à", "L’Écoute", "Conseillère", "bilan",
               "compétences", "mobilité", "démission", "réalité", "œuvre", "Île-de-France", "VAE", "CPF", "aujourd'hui",
               "entreprise", "Créations", "s'inscrire", "métiers", "transférables", "ÉLIGIBILITÉ", "cadre", "seniors"]
QUERY_WORDS = TITLE_WORDS + ["orientaton", "entretein", "acompagnement", "ecoute", "conseilere", "compétance",
                             "mobilte", "demision", "l'oeuvre", "ile", "c'est", "qu'entretien", "senior", "cadres",
                             "apec", "clea", "cléa", "handicap", '"bilan de compétance"', "-demision", "mobilités"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titles=st.lists(st.lists(st.sampled_from(TITLE_WORDS), min_size=1, max_size=5).map(" ".join), max_size=12),
       query=st.lists(st.sampled_from(QUERY_WORDS), min_size=1, max_size=4).map(" ".join),
       noise=st.lists(words_strategy, max_size=3))
def test_suggestions_equal_the_former_computation(titles, query, noise):
    """Titles and queries with accents, elisions and apostrophes (straight and curly), phrases and
    exclusions, and any letters: the page's "did you mean" text is the former one."""
    parsed = parse(" ".join([query, *noise]))
    vocabulary = _former_vocabulary(titles)
    cache.clear()
    spelling.clear()
    with mock.patch.object(spelling, "_words", return_value=vocabulary):
        assert searcher.suggestions(parsed, _Reader()) == _former_suggestions(parsed, vocabulary)


def test_suggestions_from_the_indexed_titles(make_entry):
    """Through the database: the reader's titles give the vocabulary, as before."""
    make_entry("Réussir l'entretien de diagnostic")
    make_entry("L'accompagnement des conseillères en évolution professionnelle")
    make_entry("Démarches réservées aux membres", access="members")
    reader = reader_for(AnonymousUser())
    vocabulary = _former_vocabulary(SearchEntry.objects.filter(reader.q()).values_list("title", flat=True))
    for typed in ("entretein de diagnostik", "acompagnement", "conseilere evolution", "demarche", "professionel",
                  "entretien", "rien"):
        parsed = parse(typed)
        assert searcher.suggestions(parsed, reader) == _former_suggestions(parsed, vocabulary)
    assert searcher.suggestions(parse("entretein"), reader) == "entretien"
    assert searcher.suggestions(parse("demarche"), reader) is None  # a members' title: not a visitor's word


def _ten_minutes_later():
    """The shared cache's clock past the vocabulary's lifetime (its token and word list expire)."""
    later = locmem.time.time() + spelling.SECONDS + 1
    return mock.patch.object(locmem.time, "time", return_value=later)


def test_a_new_word_is_suggested_once_the_vocabulary_is_read_again(make_entry, django_assert_num_queries):
    reader = reader_for(AnonymousUser())
    make_entry("Préparer l'entretien")
    assert searcher.suggestions(parse("reconversoin"), reader) is None
    make_entry("La reconversion professionnelle")
    with django_assert_num_queries(0):  # within the ten minutes: the vocabulary this process holds
        assert searcher.suggestions(parse("reconversoin"), reader) is None
    with _ten_minutes_later():
        assert searcher.suggestions(parse("reconversoin"), reader) == "reconversion"


def test_a_removed_entrys_word_is_no_longer_suggested(make_entry):
    from search import services

    reader = reader_for(AnonymousUser())
    make_entry("Préparer l'entretien")
    gone = make_entry("La reconversion professionnelle")
    assert searcher.suggestions(parse("reconversoin"), reader) == "reconversion"
    services.remove_source(gone.source_type, gone.source_id)
    assert not SearchEntry.objects.filter(pk=gone.pk).exists()
    with _ten_minutes_later():
        assert searcher.suggestions(parse("reconversoin"), reader) is None
        assert searcher.suggestions(parse("entretein"), reader) == "entretien"


def test_a_process_follows_the_vocabulary_another_process_read(make_entry, django_assert_num_queries):
    """Another worker read the titles again (a new token in the shared cache): this process reads
    that word list on its next lookup, without reading the titles itself."""
    reader = reader_for(AnonymousUser())
    make_entry("Préparer l'entretien")
    assert searcher.suggestions(parse("reconversoin"), reader) is None
    this_process = dict(spelling._local)
    make_entry("La reconversion professionnelle")
    with _ten_minutes_later():
        spelling._local.clear()  # the other process
        assert searcher.suggestions(parse("reconversoin"), reader) == "reconversion"
        spelling._local.clear()
        spelling._local.update(this_process)  # back in this process, which holds the old vocabulary
        with django_assert_num_queries(0):
            assert searcher.suggestions(parse("reconversoin"), reader) == "reconversion"


def test_a_word_list_cached_before_the_tokens_is_not_misread(make_entry):
    """A deployment: the key held the word list itself; it is read as no token (the titles again)."""
    reader = reader_for(AnonymousUser())
    make_entry("La reconversion professionnelle")
    cache.set(f"search:vocabulary:{reader.shared().cache_key}", ["autre", "chose"], 600)
    assert searcher.suggestions(parse("reconversoin"), reader) == "reconversion"


def test_one_read_of_the_shared_cache_and_no_query_per_page(client, make_entry, django_assert_num_queries):
    """Once a process holds the vocabulary, a page without results reads one small value of the shared
    cache for its suggestion (the former code read the whole word list there: the same number of
    reads, so no more queries with the database cache) and makes no query for it."""
    make_entry("Préparer l'entretien de diagnostic")
    reader = reader_for(AnonymousUser())
    searcher.suggestions(parse("entretein"), reader)
    reads = []
    real_get = cache.get

    def counting_get(key, *args, **kwargs):
        reads.append(key)
        return real_get(key, *args, **kwargs)

    with mock.patch.object(cache, "get", side_effect=counting_get), django_assert_num_queries(0):
        assert searcher.suggestions(parse("entretein diagnostik"), reader) == "entretien diagnostic"
    assert reads == [f"search:vocabulary:{reader.shared().cache_key}"]

    html = client.get("/recherche/", {"q": "entretein"}).content.decode()
    assert "Vouliez-vous dire" in html and "entretien" in html


def test_a_process_keeps_a_bounded_number_of_vocabularies():
    """One vocabulary per kind of reader (access tokens): many group combinations cannot grow a worker."""
    with mock.patch.object(spelling, "_words", return_value=["entretien"]):
        for n in range(spelling.MAX_VOCABULARIES * 2):
            assert searcher.suggestions(parse("entretein"), _Reader(f"public,group:{n}")) == "entretien"
            assert len(spelling._local) <= spelling.MAX_VOCABULARIES
