"""``services.upsert`` on an existing entry: stems reused or extended only when that gives exactly
what stemming the whole text gives, only the changed columns written, and the search engine
written only when a column it indexes changed (docs/performance.md, "Session 5: posting a reply")."""

import random
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from search import french, services
from search.models import EntryFacets, SearchEntry
from search.registry import EntryData

from .conftest import run_search, titles

WORDS = ["l'entretien", "d’accompagnement", "qu'il", "jusqu'à", "VAE", "conseillères", "l'", "d'", "'",
         "2026", "a", "à", "œuvre", "bilan", "compétences", "et", "les", "s'", "C'est", "x", "étape—clé",
         "mobilité", "n°3", "l’écoute", "«", "»", "…", "RQTH", "été", "transférables", "j'ai", "d'une"]
SOURCE_ID = 990001


def _data(title, texts, *, limit=None, useful=0, **extra):
    body = "\n".join(texts[1:])
    return EntryData(kind="thread", title=title, url="/echanges/x/", access="public", summary=texts[0][:500],
                     body=body[:limit] if limit else body, published_at=extra.pop("published_at", None),
                     useful_count=useful, **extra)


def _upsert(data):
    return services.upsert(data, source_type=Permission, source_id=SOURCE_ID)


def _text(rng):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))


@pytest.mark.django_db
def test_stems_of_a_growing_discussion_equal_stemming_the_whole_text():
    rng = random.Random(5)
    for round_ in range(30):
        SearchEntry.objects.filter(source_id=str(SOURCE_ID)).delete()
        texts = [_text(rng) for _ in range(rng.randint(1, 4))]
        limit = rng.choice([None, 40, 120, 400])
        for _step in range(6):
            entry = _upsert(_data("L'entretien de diagnostic", texts, limit=limit))
            assert entry.stems == french.stems_text(entry.title, entry.summary, entry.body), (round_, texts)
            entry.refresh_from_db()
            assert entry.stems == french.stems_text(entry.title, entry.summary, entry.body), (round_, texts)
            texts.append(_text(rng))  # a reply at the end (it may start with an elision or an apostrophe)


@pytest.mark.django_db
def test_stems_are_recomputed_when_an_earlier_text_or_the_title_changed():
    texts = ["Bonjour", "l'entretien", "d'accompagnement"]
    _upsert(_data("VAE", texts))
    for title, changed in [("VAE", ["Bonjour", "la mobilité", "d'accompagnement", "suite"]),  # an edited reply
                           ("VAE", ["Bonjour", "la mobilité"]),  # a hidden reply
                           ("Bilan", ["Bonjour", "la mobilité", "suite"]),
                           ("Bilan", ["Bonsoir", "la mobilité", "suite"])]:
        entry = _upsert(_data(title, changed))
        assert entry.stems == french.stems_text(title, changed[0], "\n".join(changed[1:]))


@pytest.mark.django_db
def test_a_change_the_engine_does_not_index_writes_the_row_only():
    published = timezone.now() - timedelta(days=3)
    entry = _upsert(_data("Financement du bilan", ["Question", "Réponse sur le financement"],
                          published_at=published, themes=["vae"]))
    with CaptureQueriesContext(connection) as queries:
        again = _upsert(_data("Financement du bilan", ["Question", "Réponse sur le financement"],
                              published_at=published, themes=["vae"], useful=4,
                              updated_at=timezone.now()))
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "indexentry" not in sql  # neither the index rows nor the FTS table (modelsearch)
    assert "search_entryfacets" not in sql
    again.refresh_from_db()
    assert (again.pk, again.useful_count) == (entry.pk, 4)


@pytest.mark.django_db
def test_a_new_reply_reaches_the_engine_and_a_dirty_entry_is_sent_again():
    _upsert(_data("Financement du bilan", ["Question", "Réponse sur le financement"]))
    assert titles(run_search("reconversion")) == []
    entry = _upsert(_data("Financement du bilan", ["Question", "Réponse sur le financement",
                                                    "Une reconversion réussie"]))
    assert titles(run_search("reconversion")) == ["Financement du bilan"]
    # A dirty entry (its last send failed) goes to the engine even when nothing changed.
    SearchEntry.objects.filter(pk=entry.pk).update(index_dirty=True)
    with CaptureQueriesContext(connection) as queries:
        _upsert(_data("Financement du bilan", ["Question", "Réponse sur le financement",
                                                "Une reconversion réussie"]))
    assert "indexentry" in " ".join(q["sql"] for q in queries.captured_queries)
    assert not SearchEntry.objects.get(pk=entry.pk).index_dirty


@pytest.mark.django_db
def test_a_facet_change_rewrites_the_facet_row():
    entry = _upsert(_data("Financement du bilan", ["Question", "Réponse"], themes=["vae"]))
    _upsert(_data("Financement du bilan", ["Question", "Réponse"], themes=["mobilite"]))
    assert EntryFacets.objects.get(entry_id=entry.pk).themes == " mobilite "
    assert titles(run_search("financement", theme="mobilite")) == ["Financement du bilan"]
    assert titles(run_search("financement", theme="vae")) == []


@pytest.mark.django_db
def test_upsert_writes_what_a_fresh_entry_would_hold():
    rng = random.Random(11)
    texts = [_text(rng) for _ in range(3)]
    for _ in range(5):
        texts.append(_text(rng))
        data = _data("Entretien : la posture", texts, useful=len(texts), updated_at=timezone.now())
        entry = _upsert(data)
    expected = services.entry_values(data)
    entry = SearchEntry.objects.get(pk=entry.pk)
    assert {name: getattr(entry, name) for name in expected} == expected


def test_every_search_field_is_a_column_or_named_in_indexed_columns():
    assert {"title", "summary", "body", "stems", "access", "facet_kind", "themes"} <= services._indexed_columns()
    assert not {"updated_at", "useful_count", "indexed_at", "url"} & services._indexed_columns()
