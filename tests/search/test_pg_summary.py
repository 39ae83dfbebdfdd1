"""PostgreSQL first-visit summaries from bitmaps (search.pg_summary, issue 7, session 7).

The bitmap path must return exactly what the one-statement SQL path returns (the total,
every facet count, the best ids with the same scores in the same order) for any entries,
readers and filters, and must never be used with facet rows it was not built from (version
token kept by the triggers of migration search/0009)."""

import importlib
import itertools

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search import engine, pg_summary, searcher, services
from search.models import EntryFacets
from search.query import parse
from search.registry import EntryData
from tests.search.conftest import explain_on_gin_index, hinted, run_search, titles
from tests.search.test_sqlite_summary import READERS, _seed, entry_strategy, filters_strategy

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="PostgreSQL full-text path (run with DATABASE_URL=postgres://…)"),
]

_batch = itertools.count(1)


def _both_paths(text, reader, filters, window, now=None):
    """(bitmap path, SQL path) summaries of the same search at the same moment."""
    query = parse(text).to_search_query(database=True)
    fts = searcher._PostgresFTS(engine.backend(), query)
    permission = searcher._permission_sql(EntryFacets.objects.filter(reader.q()))
    now = now or timezone.now()
    pg_summary.clear()
    fast = pg_summary.summary(fts, permission, searcher.Filters(filters), now, window)
    return fast, fts.sql_summary(permission, searcher.Filters(filters), now, window)


def _same(summary):
    """Everything a page reads from a summary. The order of a facet's values is not compared:
    PostgreSQL's hash aggregates list them in no defined order, and the page sorts them by
    count and label."""
    counts, total, best = summary
    return total, best, {group: dict(values) for group, values in counts.items() if values}


def _token():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {pg_summary.TABLE} WHERE id = 1")  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.parametrize("rank_chars", [2000, 0])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(entry_strategy, min_size=1, max_size=16), filters=filters_strategy,
       reader=st.sampled_from(sorted(READERS)), window=st.integers(1, 8), both_words=st.booleans())
def test_the_bitmap_summary_equals_the_sql_summary(rank_chars, specs, filters, reader, window, both_words):
    """Types, themes (with a differently-cased "Vae": PostgreSQL's LIKE does not fold case),
    audiences, service levels, regions, six access tokens, dates at both bucket bounds and
    missing; four readers; random filters (several values, unknown ones, an unknown date key);
    windows; with the short rank vectors and with exact ranking."""
    with override_settings(SEARCH_RANK_BODY_CHARS=rank_chars):
        marker = f"pgbits{next(_batch)}x"
        _seed(specs, marker)
        text = f"{marker} atelier" if both_words else marker
        fast, sql = _both_paths(text, READERS[reader], filters, window)
    assert fast is not None
    assert _same(fast) == _same(sql)


def test_equal_scores_keep_the_sql_order_at_the_edge_of_the_window():
    spec = {"kind": "guide", "themes": ["vae"], "audiences": [], "service_levels": [], "region": "",
            "access": "public", "age": 10, "in_title": 1, "in_body": 2}
    entries = _seed([spec] * 9, "pgties1x")
    fast, sql = _both_paths("pgties1x atelier", READERS["visitor"], {}, 4)
    assert _same(fast) == _same(sql)
    assert [pk for pk, _score in fast[2]] == sorted((e.pk for e in entries), reverse=True)[:4]


def test_a_search_uses_the_bitmaps_until_the_facet_rows_change(make_entry):
    first = make_entry("Atelier CV", themes=["vae"])
    make_entry("Atelier lettre", themes=["cpf"], access="members")
    pg_summary.clear()
    with CaptureQueriesContext(connection) as ctx:
        outcome = run_search("atelier")
    assert outcome.total == 1
    # The bitmap statement, not the SQL summary (which joins the facet rows).
    statements = [q["sql"] for q in ctx.captured_queries if "WITH m AS MATERIALIZED" in q["sql"]]
    assert len(statements) == 1 and "search_entryfacets" not in statements[0]
    token = pg_summary._snapshots[pg_summary._key()].token

    # Text changes that keep the facet row (a reply to a thread) keep the bitmaps.
    services.upsert(EntryData(kind="resource", subkind="fiche-pratique", title="Atelier CV", body="Nouveau",
                              url=first.url, access="public", themes=["vae"], published_at=first.published_at),
                    source_type=first.source_type, source_id=first.source_id)
    assert _token() == token
    assert run_search("nouveau").total == 1
    assert pg_summary._snapshots[pg_summary._key()].token == token

    # A new access token: the next search sees the stale token and takes the SQL path,
    # the one after it rebuilds the bitmaps; both see the change.
    services.upsert(EntryData(kind="resource", subkind="fiche-pratique", title="Atelier CV", url=first.url,
                              access="members", themes=["vae"]),
                    source_type=first.source_type, source_id=first.source_id)
    assert _token() != token
    with CaptureQueriesContext(connection) as ctx:
        assert run_search("atelier").total == 0
    assert any("search_entryfacets" in q["sql"] and "WITH m AS MATERIALIZED" in q["sql"]
               for q in ctx.captured_queries)
    assert run_search("atelier cv").total == 0  # another query: not served by the summary cache
    assert pg_summary._snapshots[pg_summary._key()].token != token
    assert titles(run_search("lettre")) == []


def test_the_token_changes_with_real_changes_only_and_a_rollback_restores_it(make_entry):
    entry = make_entry("Atelier CV", themes=["vae"])
    before = _token()
    # The same values written again (INSERT … ON CONFLICT DO UPDATE of the facet writer).
    services.write_facets([entry])
    assert _token() == before
    try:
        with transaction.atomic():
            make_entry("Atelier lettre")
            assert _token() != before
            raise RuntimeError
    except RuntimeError:
        pass
    assert _token() == before
    EntryFacets.objects.filter(pk=entry.pk).update(region="bretagne")
    after_update = _token()
    assert after_update != before
    EntryFacets.objects.filter(pk=entry.pk).delete()
    assert _token() != after_update
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'search_entryfacets'::regclass "
                       "AND tgname LIKE 'search_facetversion_%%'")
        assert cursor.fetchone()[0] == len(pg_summary.TRIGGERS)


def test_a_truncated_facet_table_changes_the_token(make_entry):
    make_entry("Atelier CV", themes=["vae"])
    before = _token()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test transaction's pending FK checks
        cursor.execute("TRUNCATE search_entryfacets")
    assert _token() != before


def test_facet_rows_the_bitmaps_cannot_reproduce_take_the_sql_path(make_entry):
    entry = make_entry("Atelier CV", themes=["vae"])
    make_entry("Atelier lettre", themes=["cpf"])
    # Not a canonical packed list (written by hand): LIKE '% cpf %' misses this "cpf", a
    # bitmap per slug would not.
    EntryFacets.objects.filter(pk=entry.pk).update(themes="vae  cpf")
    fast, sql = _both_paths("atelier", READERS["visitor"], {"theme": ["cpf"]}, 10)
    assert fast is None
    assert sql[1] == 1
    # A filter value that is not a plain slug (a LIKE wildcard) takes the SQL path too.
    EntryFacets.objects.filter(pk=entry.pk).update(themes=" vae cpf ")
    fast, sql = _both_paths("atelier", READERS["visitor"], {"theme": ["v_e"]}, 10)
    assert fast is None and sql[1] == 1
    fast, sql = _both_paths("atelier", READERS["visitor"], {"theme": ["vae"]}, 10)
    assert _same(fast) == _same(sql)


def test_without_the_triggers_the_sql_path_answers(make_entry):
    make_entry("Atelier CV", themes=["vae"])
    migration = importlib.import_module("search.migrations.0009_postgres_facet_version")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {pg_summary.TRIGGERS[1]} ON search_entryfacets")
    try:
        fast, sql = _both_paths("atelier", READERS["visitor"], {}, 10)
        assert fast is None and sql[1] == 1
    finally:
        with connection.schema_editor() as editor:
            migration.create(None, editor)
    fast, sql = _both_paths("atelier", READERS["visitor"], {}, 10)
    assert fast is not None and _same(fast) == _same(sql)


def test_a_match_without_a_facet_row_is_not_counted(make_entry):
    """As the SQL path's join drops it (an entry whose facet row is missing)."""
    make_entry("Atelier CV", themes=["vae"])
    orphan = make_entry("Atelier lettre", themes=["vae"])
    EntryFacets.objects.filter(pk=orphan.pk).delete()
    fast, sql = _both_paths("atelier", READERS["visitor"], {}, 10)
    assert fast is not None and _same(fast) == _same(sql)
    assert fast[1] == 1 and [pk for pk, _s in fast[2]] != [orphan.pk]


def test_the_statement_finds_the_matches_through_the_gin_index_and_reads_no_facet_row(make_entry, gin_statements):
    for i in range(40):
        make_entry(f"Atelier {i}" if i % 4 == 0 else f"Dossier {i}", body="compétences " * (i % 3),
                   themes=["vae"] if i % 8 == 0 else [])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE wagtailsearch_indexentry")
    query = parse("atelier").to_search_query(database=True)
    fts = searcher._PostgresFTS(engine.backend(), query)
    permission = searcher._permission_sql(EntryFacets.objects.filter(READERS["visitor"].q()))
    pg_summary.clear()
    pg_summary.summary(fts, permission, searcher.Filters({"theme": ["vae"]}), timezone.now(), 10)  # builds
    with CaptureQueriesContext(connection) as ctx:
        counts, total, best = pg_summary.summary(fts, permission, searcher.Filters({"theme": ["vae"]}),
                                                 timezone.now(), 10)
    assert total == 5 and len(best) == 5
    assert dict(counts["kind"]) == {"fiche-pratique": 5} and dict(counts["theme"]) == {"vae": 5}
    assert hinted(ctx.captured_queries, "WITH m AS MATERIALIZED")
    plan = explain_on_gin_index(*gin_statements[-1])
    assert "search_indexentry_title_body_gin" in plan, plan
    assert "content_type_id_" not in plan and "search_entryfacets" not in plan, plan


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(entry_strategy, min_size=0, max_size=16), filters=filters_strategy,
       reader=st.sampled_from(sorted(READERS)))
def test_browsing_by_facets_counts_from_the_bitmaps_as_the_sql_does(specs, filters, reader):
    """A browse without words (a theme link): every permitted entry, counted by facet."""
    _seed(specs, f"pgbrowse{next(_batch)}x")
    narrow = EntryFacets.objects.filter(READERS[reader].q())
    now = timezone.now()
    pg_summary.clear()
    fast = pg_summary.browse_counts(searcher._permission_sql(narrow), searcher.Filters(filters), now)
    sql = searcher._facet_counts_from_db(narrow, searcher.Filters(filters), now)
    assert fast is not None
    assert _same((*fast, [])) == _same((*sql, []))


def test_browsing_after_a_facet_change_counts_with_sql_then_rebuilds(make_entry):
    make_entry("Atelier CV", themes=["vae"])
    pg_summary.clear()
    assert run_search("", theme="vae").total == 1
    token = pg_summary._snapshots[pg_summary._key()].token
    make_entry("Atelier lettre", themes=["vae"])
    assert run_search("", theme="vae").total == 2  # stale bitmaps: the SQL counts
    assert pg_summary._key() not in pg_summary._snapshots
    assert run_search("", theme="vae", region="bretagne").total == 0  # rebuilt
    assert pg_summary._snapshots[pg_summary._key()].token != token
