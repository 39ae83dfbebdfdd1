"""PostgreSQL: short rank vectors (search.pgrank). Matching uses the full vectors, ranking a
vector of the summary, stems and first SEARCH_RANK_BODY_CHARS characters of the body, kept up to
date on every write path of the index."""

import importlib

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from search import pgrank, services
from search.models import SearchEntry
from search.registry import EntryData
from tests.search.conftest import run_search

pytestmark = [pytest.mark.django_db,
              # Every search below is a first visit, whatever the other one computed.
              pytest.mark.usefixtures("no_result_cache")]
postgres = pytest.mark.skipif(connection.vendor != "postgresql",
                              reason="rank vectors exist on PostgreSQL only (search.pgrank)")

LIMIT = 60
FILLER = "Les conseillers échangent sur le dossier du bénéficiaire. "  # 57 characters


@pytest.fixture
def no_result_cache(settings):
    settings.SEARCH_CACHE_SECONDS = 0


def _vector(entry) -> dict[str, str] | None:
    """The stored rank vector of ``entry`` as {lexeme: positions/weights}, or None."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body::text FROM {pgrank.TABLE} WHERE entry_id = %s", [entry.pk])  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    return {item.split(":")[0].strip("'"): item for item in row[0].split(" ") if item}


def _expected(entry, limit) -> dict[str, str]:
    """The rank vector computed from scratch: modelsearch's body vector of the shortened entry."""
    from django.db.models.sql.subqueries import InsertQuery
    from modelsearch.backends import get_search_backend
    from modelsearch.backends.database.postgres.postgres import ObjectIndexer
    from modelsearch.conf import get_app_config

    short = pgrank.rank_copy(entry, limit)

    index_entry = get_app_config().get_model("IndexEntry")
    compiler = InsertQuery(index_entry).get_compiler(connection=connection)
    value = compiler.prepare_value(index_entry._meta.get_field("body"),
                                   ObjectIndexer(short, get_search_backend()).body)
    sql, params = value.as_sql(compiler, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({sql})::text", params)  # noqa: S608
        text = cursor.fetchone()[0]
    return {item.split(":")[0].strip("'"): item for item in text.split(" ") if item}


def _matches(entry, word: str) -> bool:
    """Whether the stored rank vector of ``entry`` contains ``word`` (French analysis)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body @@ plainto_tsquery('french_unaccent', %s) FROM {pgrank.TABLE} "  # noqa: S608
                       "WHERE entry_id = %s", [word, entry.pk])
        return cursor.fetchone()[0]


def _data(title, body="", **extra):
    return EntryData(kind="resource", subkind="guide", title=title, body=body, url=f"/r/{title}/", access="public",
                     **extra)


def test_cut_ends_at_a_word_boundary():
    assert pgrank.cut("un deux trois", 100) == "un deux trois"
    assert pgrank.cut("un deux trois", 6) == "un"
    assert pgrank.cut("un deux trois", 7) == "un deux"


@postgres
@override_settings(SEARCH_RANK_BODY_CHARS=LIMIT)
def test_upsert_writes_the_rank_vector_of_the_beginning_of_the_body():
    body = "atelier " * 3 + FILLER * 3 + "reconversion"
    entry = services.upsert(_data("Guide", body, summary="Synthèse"), source_type=Permission, source_id="r1")
    vector = _vector(entry)
    assert vector == _expected(entry, LIMIT)
    assert "synthes" in vector  # the summary is kept whole
    assert not _matches(entry, "reconversion")  # past the first LIMIT characters
    assert _matches(entry, "atelier")


@postgres
@override_settings(SEARCH_RANK_BODY_CHARS=LIMIT)
def test_the_incremental_upsert_and_removal_keep_the_rank_vector_up_to_date():
    entry = services.upsert(_data("Guide", "reconversion " + FILLER), source_type=Permission, source_id="r2")
    assert _matches(entry, "reconversion")
    # Only some columns are written (search.services.upsert's partial update): the vector follows.
    entry = services.upsert(_data("Guide", "mobilité " + FILLER), source_type=Permission, source_id="r2")
    assert not _matches(entry, "reconversion") and _matches(entry, "mobilité")
    assert _vector(entry) == _expected(SearchEntry.objects.get(pk=entry.pk), LIMIT)
    # A column the engines do not index: nothing to rewrite, the vector stays.
    entry = services.upsert(_data("Guide", "mobilité " + FILLER, useful_count=4),
                            source_type=Permission, source_id="r2")
    assert _matches(entry, "mobilité")
    services.remove_source(ContentType.objects.get_for_model(Permission), "r2")
    assert _vector(entry) is None


@postgres
@override_settings(SEARCH_RANK_BODY_CHARS=LIMIT)
def test_bulk_upsert_writes_every_rank_vector():
    source_type = ContentType.objects.get_for_model(Permission)
    items = [(_data(f"Fiche {n}", "atelier " * n + FILLER * 2), source_type, f"b{n}") for n in range(5)]
    entries = services.bulk_upsert(items, batch_size=2)
    for entry in entries:
        assert _vector(entry) == _expected(entry, LIMIT)


@postgres
def test_rebuild_search_rewrites_missing_and_stale_vectors_and_drops_orphans():
    # A source without an indexer (auth.Permission): rebuild_search keeps its entry and sends it again.
    with override_settings(SEARCH_RANK_BODY_CHARS=LIMIT):
        entry = services.upsert(_data("Guide", FILLER * 3 + "reconversion"), source_type=Permission, source_id="r3")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {pgrank.TABLE} WHERE entry_id = %s", [entry.pk])  # noqa: S608
        cursor.execute(f"INSERT INTO {pgrank.TABLE} VALUES (%s, to_tsvector('x'))", [10**9])  # noqa: S608
    with override_settings(SEARCH_RANK_BODY_CHARS=LIMIT):
        call_command("rebuild_search", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _vector(entry) == _expected(entry, LIMIT)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {pgrank.TABLE} WHERE entry_id = %s", [10**9])  # noqa: S608
        assert cursor.fetchone()[0] == 0
    # A new limit: --rank-vectors rewrites them.
    with override_settings(SEARCH_RANK_BODY_CHARS=10_000):
        call_command("rebuild_search", "--rank-vectors", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _matches(entry, "reconversion")


@postgres
@override_settings(SEARCH_RANK_BODY_CHARS=LIMIT)
def test_the_migration_fills_the_vectors_of_existing_entries():
    entry = services.upsert(_data("Guide", "atelier " + FILLER * 2), source_type=Permission, source_id="r4")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {pgrank.TABLE}")  # noqa: S608
    migration = importlib.import_module("search.migrations.0008_postgres_rank_vectors")
    with connection.schema_editor() as schema_editor:
        migration.create(None, schema_editor)
    assert _vector(entry) == _expected(entry, LIMIT)


def _corpus():
    """Entries whose query word appears early, late (past LIMIT characters) or both."""
    late = FILLER * 4 + "atelier " * 12  # the word only beyond the first LIMIT characters, many times
    specs = [
        ("Guide du bilan", "atelier " + FILLER, ["vae"], ""),
        ("Fiche entretien", late, ["cpf"], "bretagne"),
        ("Atelier collectif", FILLER * 2, ["vae", "cpf"], ""),
        ("Note de synthèse", "atelier atelier " + FILLER * 3, [], "bretagne"),
        ("Compte rendu", FILLER + late, ["vae"], ""),
        ("Sans rapport", FILLER * 5, ["vae"], ""),
    ]
    return [services.upsert(_data(title, body, themes=themes, region=region), source_type=Permission,
                            source_id=f"c{n}") for n, (title, body, themes, region) in enumerate(specs)]


def _facets(outcome):
    return [(f.group, [(o.value, o.count) for o in f.options]) for f in outcome.facets]


@pytest.mark.parametrize("filters", [{}, {"theme": "vae"}, {"region": "bretagne"}])
def test_matches_and_facet_counts_do_not_depend_on_the_rank_vectors(filters):
    with override_settings(SEARCH_RANK_BODY_CHARS=LIMIT):
        _corpus()
        short = run_search("atelier", **filters)
    with override_settings(SEARCH_RANK_BODY_CHARS=0):
        exact = run_search("atelier", **filters)
    assert short.total == exact.total > 0
    assert _facets(short) == _facets(exact)
    assert {h.entry.pk for h in short.hits} == {h.entry.pk for h in exact.hits}


def test_a_long_entry_whose_word_is_only_past_the_limit_is_found():
    with override_settings(SEARCH_RANK_BODY_CHARS=LIMIT):
        entries = _corpus()
        outcome = run_search("atelier")
    late = entries[1]
    assert "atelier" not in late.body[:LIMIT].lower()
    assert late.pk in {h.entry.pk for h in outcome.hits}
    assert outcome.total == 5


@postgres
def test_only_the_order_of_long_entries_changes():
    """A long entry whose word is repeated past the limit counts those occurrences only in the
    exact ranking; the matches are the same."""
    with override_settings(SEARCH_RANK_BODY_CHARS=LIMIT):
        entries = _corpus()
        short = {h.entry.pk: h.score for h in run_search("atelier").hits}
    with override_settings(SEARCH_RANK_BODY_CHARS=0):
        exact = {h.entry.pk: h.score for h in run_search("atelier").hits}
    assert set(short) == set(exact)
    late = entries[1]
    assert exact[late.pk] > short[late.pk]


@postgres
def test_an_entry_without_a_rank_vector_is_ranked_on_its_full_body():
    with override_settings(SEARCH_RANK_BODY_CHARS=LIMIT):
        entries = _corpus()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {pgrank.TABLE} WHERE entry_id = %s", [entries[1].pk])  # noqa: S608
        missing = {h.entry.pk: h.score for h in run_search("atelier").hits}
    with override_settings(SEARCH_RANK_BODY_CHARS=0):
        exact = {h.entry.pk: h.score for h in run_search("atelier").hits}
    assert missing[entries[1].pk] == pytest.approx(exact[entries[1].pk])


def test_other_engines_write_no_rank_vector():
    class ElasticsearchLike:
        pass

    assert pgrank.write(ElasticsearchLike(), list(SearchEntry.objects.all()[:1]) or [SearchEntry(pk=1)]) == 0
