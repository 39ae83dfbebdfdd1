"""SQLite first-visit summaries from bitmaps (search.sqlite_summary, issue 7, session 5).

The bitmap path must return exactly what the one-statement SQL path returns (the total,
every facet count in the same order, the best ids with the same bm25 scores) for any
entries, readers and filters, and must never be used with facet rows it was not built
from (version token kept by the triggers of migration search/0007)."""

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search import engine, searcher, services, sqlite_summary
from search.models import EntryFacets
from search.permissions import MEMBERS, PUBLIC, Reader
from search.query import parse
from search.registry import EntryData
from tests.search.conftest import run_search, titles

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5 path"),
]

KINDS = ["guide", "fiche-pratique", "video"]
THEMES = ["vae", "cpf", "bilan", "Vae"]  # "Vae": LIKE '% vae %' matches it too (ASCII case folding)
AUDIENCES = ["salaries", "jeunes"]
REGIONS = ["", "bretagne", "occitanie", "national"]
ACCESS = ["public", "members", "group:991", "space:7", "user:42", "GROUP:992"]
AGES = [None, 3, 30, 32, 100, 364, 366, 900]  # days; around both bucket bounds
READERS = {
    "visitor": Reader(frozenset({PUBLIC})),
    "member": Reader(frozenset({PUBLIC, MEMBERS}), personal="user:42"),
    "member of a group": Reader(frozenset({PUBLIC, MEMBERS, "group:991"}), personal="user:43"),
    "moderator": Reader(frozenset({PUBLIC, MEMBERS}), all_groups=True, personal="user:44"),
}
_batch = itertools.count(1)

entry_strategy = st.fixed_dictionaries({
    "kind": st.sampled_from(KINDS),
    "themes": st.lists(st.sampled_from(THEMES), max_size=3, unique=True),
    "audiences": st.lists(st.sampled_from(AUDIENCES), max_size=2, unique=True),
    "service_levels": st.lists(st.sampled_from(["accueil", "accompagnement"]), max_size=2, unique=True),
    "region": st.sampled_from(REGIONS),
    "access": st.sampled_from(ACCESS),
    "age": st.sampled_from(AGES),
    "in_title": st.integers(0, 3),
    "in_body": st.integers(0, 5),
})
filters_strategy = st.fixed_dictionaries({}, optional={
    "kind": st.lists(st.sampled_from([*KINDS, "thread"]), min_size=1, max_size=2, unique=True),
    "theme": st.lists(st.sampled_from(["vae", "cpf", "bilan", "inconnu"]), min_size=1, max_size=2, unique=True),
    "audience": st.lists(st.sampled_from(AUDIENCES), min_size=1, max_size=2, unique=True),
    "service_level": st.lists(st.sampled_from(["accueil", "accompagnement"]), min_size=1, max_size=1),
    "region": st.lists(st.sampled_from(["national", "bretagne", "occitanie"]), min_size=1, max_size=2, unique=True),
    "date": st.sampled_from(["mois", "annee", "ancien", "demain"]).map(lambda v: [v]),
})


def _seed(specs, marker):
    source_type = ContentType.objects.get_for_model(Permission)
    now = timezone.now()
    items = []
    for n, spec in enumerate(specs):
        # Every entry has the marker; "atelier" (the searched word) 0-8 times: some do not match.
        data = EntryData(
            kind="resource", subkind=spec["kind"], title=f"{marker} " + "atelier " * spec["in_title"],
            body=" ".join(["atelier"] * spec["in_body"] + ["conseil"] * (6 - spec["in_body"])),
            url=f"/e/{marker}/{n}/", access=spec["access"], themes=spec["themes"], audiences=spec["audiences"],
            service_levels=spec["service_levels"], region=spec["region"],
            published_at=None if spec["age"] is None else now - timedelta(days=spec["age"]),
        )
        items.append((data, source_type, f"{marker}-{n}"))
    return services.bulk_upsert(items)


def _both_paths(text, reader, filters, window, now=None):
    """(bitmap path, SQL path) summaries of the same search at the same moment."""
    query = parse(text).to_search_query(database=True)
    fts = searcher._SQLiteFTS(engine.backend(), query)
    permission = searcher._permission_sql(EntryFacets.objects.filter(reader.q()))
    now = now or timezone.now()
    sqlite_summary.clear()
    fast = sqlite_summary.summary(fts, permission, searcher.Filters(filters), now, window)
    return fast, fts.sql_summary(permission, searcher.Filters(filters), now, window)


def _ordered(summary):
    """Everything a page reads from a summary, including the order of each facet's values."""
    counts, total, best = summary
    return total, best, [(group, list(values.items())) for group, values in counts.items()]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(entry_strategy, min_size=1, max_size=16), filters=filters_strategy,
       reader=st.sampled_from(sorted(READERS)), window=st.integers(1, 8), both_words=st.booleans())
def test_the_bitmap_summary_equals_the_sql_summary(specs, filters, reader, window, both_words):
    marker = f"bits{next(_batch)}x"
    _seed(specs, marker)
    text = f"{marker} atelier" if both_words else marker
    fast, sql = _both_paths(text, READERS[reader], filters, window)
    assert fast is not None
    assert _ordered(fast) == _ordered(sql)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(entry_strategy, min_size=0, max_size=16), filters=filters_strategy,
       reader=st.sampled_from(sorted(READERS)))
def test_browsing_by_facets_counts_from_the_bitmaps_as_the_sql_does(specs, filters, reader):
    """A browse without words (a theme link): every permitted entry, counted by facet."""
    _seed(specs, f"browse{next(_batch)}x")
    narrow = EntryFacets.objects.filter(READERS[reader].q())
    now = timezone.now()
    sqlite_summary.clear()
    fast = sqlite_summary.browse_counts(searcher._permission_sql(narrow), searcher.Filters(filters), now)
    sql = searcher._facet_counts_from_db(narrow, searcher.Filters(filters), now)
    assert fast is not None
    assert _ordered((*fast, [])) == _ordered((*sql, []))


def test_browsing_takes_the_sql_path_when_a_facet_row_has_no_index_entry(make_entry):
    make_entry("Atelier CV", themes=["vae"])
    orphan = make_entry("Atelier lettre", themes=["vae"])
    outcome = run_search("", theme="vae")
    assert outcome.total == 2
    # An entry whose index row is missing (its indexing failed): the bitmaps do not know it,
    # the SQL path counts and lists it.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM wagtailsearch_indexentry WHERE object_id = %s", [str(orphan.pk)])
    sqlite_summary.clear()
    narrow = EntryFacets.objects.filter(READERS["visitor"].q())
    assert sqlite_summary.browse_counts(searcher._permission_sql(narrow), searcher.Filters({}), timezone.now()) is None
    assert searcher.run(parsed=parse(""), filters=searcher.Filters({"theme": ["vae"]}),
                        reader=READERS["visitor"]).total == 2


def test_equal_scores_keep_the_sql_order_at_the_edge_of_the_window():
    """Identical entries have identical bm25 scores: the window keeps the highest ids, as the
    SQL path's ORDER BY s, id DESC does, whichever of them FTS5 returns first."""
    spec = {"kind": "guide", "themes": ["vae"], "audiences": [], "service_levels": [], "region": "",
            "access": "public", "age": 10, "in_title": 1, "in_body": 2}
    entries = _seed([spec] * 9, "ties1x")
    fast, sql = _both_paths("ties1x atelier", READERS["visitor"], {}, 4)
    assert _ordered(fast) == _ordered(sql)
    assert [pk for pk, _score in fast[2]] == sorted((e.pk for e in entries), reverse=True)[:4]


def test_a_search_uses_the_bitmaps_until_the_facet_rows_change(make_entry):
    first = make_entry("Atelier CV", themes=["vae"])
    make_entry("Atelier lettre", themes=["cpf"], access="members")
    sqlite_summary.clear()
    with CaptureQueriesContext(connection) as ctx:
        outcome = run_search("atelier")
    assert outcome.total == 1
    assert not any(q["sql"].startswith("WITH m AS MATERIALIZED") for q in ctx.captured_queries)
    token = sqlite_summary._snapshots[sqlite_summary._key()].token

    # Text changes that keep the facet row (a reply to a thread) keep the bitmaps.
    services.upsert(EntryData(kind="resource", subkind="fiche-pratique", title="Atelier CV", body="Nouveau",
                              url=first.url, access="public", themes=["vae"], published_at=first.published_at),
                    source_type=first.source_type, source_id=first.source_id)
    assert sqlite_summary._snapshots[sqlite_summary._key()].token == token
    assert run_search("nouveau").total == 1

    # A new access token: the next search sees the stale token and takes the SQL path,
    # the one after it rebuilds the bitmaps; both see the change.
    services.upsert(EntryData(kind="resource", subkind="fiche-pratique", title="Atelier CV", url=first.url,
                              access="members", themes=["vae"]),
                    source_type=first.source_type, source_id=first.source_id)
    with CaptureQueriesContext(connection) as ctx:
        assert run_search("atelier").total == 0
    assert any(q["sql"].startswith("WITH m AS MATERIALIZED") for q in ctx.captured_queries)
    assert run_search("atelier cv").total == 0  # another query: not served by the summary cache
    assert sqlite_summary._snapshots[sqlite_summary._key()].token != token
    assert titles(run_search("lettre")) == []


def test_a_rolled_back_change_restores_the_token(make_entry):
    make_entry("Atelier CV", themes=["vae"])
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT token FROM "{sqlite_summary.TABLE}"')
        [(before,)] = cursor.fetchall()
        try:
            with transaction.atomic():
                make_entry("Atelier lettre")
                cursor.execute(f'SELECT token FROM "{sqlite_summary.TABLE}"')
                assert cursor.fetchall() != [(before,)]
                raise RuntimeError
        except RuntimeError:
            pass
        cursor.execute(f'SELECT token FROM "{sqlite_summary.TABLE}"')
        assert cursor.fetchall() == [(before,)]
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                       "AND name LIKE 'search_facetversion_%'")
        assert cursor.fetchone()[0] == len(sqlite_summary.TRIGGERS)


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
    assert _ordered(fast) == _ordered(sql)
    # A date stored as a number compares as a number, not as text: the SQL path.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE search_entryfacets SET published_at = 20250101 WHERE entry_id = %s", [entry.pk])
    fast, sql = _both_paths("atelier", READERS["visitor"], {"date": ["ancien"]}, 10)
    assert fast is None and sql[1] == 1


def test_the_statement_scans_the_fts_table_once_without_rowid_constraints(make_entry):
    """FTS5 drives the loop (MATCH only: SQLite must not hand rowids to the virtual table,
    which would run the match again per id) and the match set is read once."""
    for i in range(6):
        make_entry(f"Atelier {i}", themes=["vae"] if i % 2 else [])
    query = parse("atelier").to_search_query(database=True)
    fts = searcher._SQLiteFTS(engine.backend(), query)
    permission = searcher._permission_sql(EntryFacets.objects.filter(READERS["visitor"].q()))
    sqlite_summary.clear()
    sqlite_summary.summary(fts, permission, searcher.Filters({"theme": ["vae"]}), timezone.now(), 10)
    with CaptureQueriesContext(connection) as ctx:
        counts, total, best = sqlite_summary.summary(fts, permission, searcher.Filters({"theme": ["vae"]}),
                                                     timezone.now(), 10)
    assert total == 3 and len(best) == 3
    [statement] = ctx.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA automatic_index = OFF")
        try:
            plan = [row[-1] for row in cursor.execute("EXPLAIN QUERY PLAN " + statement["sql"]).fetchall()]
        finally:
            cursor.execute("PRAGMA automatic_index = ON")
    scans = [line for line in plan if "VIRTUAL TABLE" in line]
    assert len(scans) == 1 and scans[0].endswith(":M3") and "MATERIALIZE f" in plan, plan
