"""The fast paths of a search (issue 7): facet counts from the narrow facet rows in one
statement, the cached summaries and their invalidation, constant query counts.

Facet counts and totals are checked against a brute-force count in Python over the same
entries, with the same permission rule and facet semantics (values of a facet are
alternatives, facets combine, a facet's counts apply every other active facet)."""

import itertools
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search import labels, resultcache, searcher, services
from search.models import EntryFacets, SearchEntry
from search.permissions import MEMBERS, PUBLIC, Reader, reader_for
from search.query import parse
from search.registry import EntryData
from tests.search.conftest import explain_on_gin_index, hinted, run_search, titles

pytestmark = pytest.mark.django_db

KINDS = ["guide", "fiche-pratique", "video"]
THEMES = ["vae", "cpf", "bilan"]
AUDIENCES = ["salaries", "jeunes"]
REGIONS = ["", "bretagne", "occitanie"]
ACCESS = ["public", "members", "group:991"]
AGES = [3, 100, 900]  # days: < 1 month, < 1 year, > 1 year
WORDS = ["atelier", "dossier"]

entry_strategy = st.fixed_dictionaries({
    "kind": st.sampled_from(KINDS),
    "themes": st.lists(st.sampled_from(THEMES), max_size=2, unique=True),
    "audiences": st.lists(st.sampled_from(AUDIENCES), max_size=2, unique=True),
    "service_levels": st.lists(st.sampled_from(["accueil", "accompagnement"]), max_size=1),
    "region": st.sampled_from(REGIONS),
    "access": st.sampled_from(ACCESS),
    "age": st.sampled_from(AGES),
    "words": st.lists(st.sampled_from(WORDS), min_size=1, max_size=2, unique=True),
})
filters_strategy = st.fixed_dictionaries({}, optional={
    "kind": st.lists(st.sampled_from(KINDS), min_size=1, max_size=2, unique=True),
    "theme": st.lists(st.sampled_from(THEMES), min_size=1, max_size=2, unique=True),
    "audience": st.lists(st.sampled_from(AUDIENCES), min_size=1, max_size=1),
    "region": st.lists(st.sampled_from(["national", "bretagne"]), min_size=1, max_size=2, unique=True),
    "date": st.sampled_from(["mois", "annee", "ancien"]).map(lambda v: [v]),
})
_batch = itertools.count(1)


def _values(spec) -> dict[str, set[str]]:
    """The facet values of one generated entry, as the facets name them."""
    bucket = {3: {"mois", "annee"}, 100: {"annee"}, 900: {"ancien"}}[spec["age"]]
    return {"kind": {spec["kind"]}, "theme": set(spec["themes"]), "audience": set(spec["audiences"]),
            "service_level": set(spec["service_levels"]), "region": {spec["region"] or labels.NATIONAL},
            "date": bucket}


def brute_force(specs, word, tokens, filters):
    """Counts and total by the documented rules, in plain Python."""
    visible = [_values(s) for s in specs if s["access"] in tokens and word in s["words"]]
    counts = {group: Counter() for group in searcher.FACET_GROUPS}
    total = 0

    def passes(values, group):
        wanted = set(filters.get(group) or [])
        return not wanted or bool(values[group] & wanted)

    for values in visible:
        if all(passes(values, g) for g in searcher.FACET_GROUPS):
            total += 1
        for group in searcher.FACET_GROUPS:
            if all(passes(values, other) for other in searcher.FACET_GROUPS if other != group):
                counts[group].update(values[group])
    return counts, total


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(entry_strategy, min_size=1, max_size=14), filters=filters_strategy,
       word=st.sampled_from(WORDS), member=st.booleans(), sort=st.sampled_from([searcher.RELEVANCE, searcher.RECENT]))
def test_facet_counts_equal_a_brute_force_count(specs, filters, word, member, sort):
    # Every example has its own marker word, so earlier examples' entries never match.
    marker = f"lot{next(_batch)}x"
    source_type = ContentType.objects.get_for_model(Permission)
    now = timezone.now()
    items = []
    for n, spec in enumerate(specs):
        data = EntryData(
            kind="resource", subkind=spec["kind"], title=f"{marker} {' '.join(spec['words'])}",
            url=f"/e/{marker}/{n}/", access=spec["access"], themes=spec["themes"], audiences=spec["audiences"],
            service_levels=spec["service_levels"], region=spec["region"],
            published_at=now - timedelta(days=spec["age"]),
        )
        items.append((data, source_type, f"{marker}-{n}"))
    services.bulk_upsert(items)
    tokens = {PUBLIC, MEMBERS} if member else {PUBLIC}
    # Relevance on SQLite: the single-pass statement; recent: the grouped count query.
    outcome = searcher.run(parsed=parse(f"{marker} {word}"), filters=searcher.Filters(filters),
                           reader=Reader(frozenset(tokens)), sort=sort)
    expected_counts, expected_total = brute_force(specs, word, tokens, filters)
    assert outcome.total == expected_total
    shown = {f.group: {o.value: o.count for o in f.options if o.count} for f in outcome.facets}
    for group in searcher.FACET_GROUPS:
        assert shown.get(group, {}) == {k: v for k, v in expected_counts[group].items() if v}, group
    # The results are the permitted matches under every filter (first page).
    assert len(outcome.hits) == min(expected_total, searcher.PAGE_SIZE)
    assert all(h.entry.access in tokens for h in outcome.hits)


def test_facet_rows_mirror_the_entries(make_entry):
    entry = make_entry("Atelier CV", themes=["vae"], region="bretagne", access="members")
    row = EntryFacets.objects.get(pk=entry.pk)
    assert (row.access, row.facet_kind, row.themes, row.region) == ("members", "fiche-pratique", " vae ", "bretagne")
    services.remove_source(entry.source_type, entry.source_id)
    assert not EntryFacets.objects.filter(pk=entry.pk).exists()
    assert not SearchEntry.objects.filter(pk=entry.pk).exists()


def test_a_write_invalidates_cached_summaries(make_entry):
    first = make_entry("Atelier de recherche d'emploi", themes=["vae"])
    assert run_search("atelier").total == 1
    before = resultcache.generation()
    second = make_entry("Atelier collectif", themes=["cpf"])
    assert resultcache.generation() != before
    outcome = run_search("atelier")
    assert outcome.total == 2
    assert {o.value: o.count for f in outcome.facets if f.group == "theme" for o in f.options} == {"vae": 1, "cpf": 1}
    services.remove_source(first.source_type, first.source_id)
    assert titles(run_search("atelier")) == ["Atelier collectif"]
    # An entry that changes its access token disappears for visitors at once.
    services.upsert(EntryData(kind="resource", title="Atelier collectif", url="/x/", access="members"),
                    source_type=second.source_type, source_id=second.source_id)
    assert run_search("atelier").total == 0


def test_a_repeated_search_reads_only_the_entries_it_shows(make_entry):
    for i in range(15):
        make_entry(f"Atelier numéro {i}", themes=["vae"])
    with CaptureQueriesContext(connection) as first:
        cold = run_search("atelier", theme="vae")
    with CaptureQueriesContext(connection) as second:
        warm = run_search("atelier", theme="vae")
    assert [h.entry.pk for h in warm.hits] == [h.entry.pk for h in cold.hits]
    assert (warm.total, [f.options for f in warm.facets]) == (cold.total, [f.options for f in cold.facets])
    entry_queries = [q for q in second.captured_queries if "search_searchentry" in q["sql"]]
    assert len(entry_queries) == 1 and len(second.captured_queries) < len(first.captured_queries)
    # Page 2 reuses the counts and the ranked window.
    with CaptureQueriesContext(connection) as third:
        assert len(run_search("atelier", theme="vae", page=2).hits) == 5
    assert len(third.captured_queries) == 1


def test_a_repeated_search_reuses_its_highlights_and_does_not_read_the_bodies(make_entry):
    for i in range(3):
        make_entry(f"Atelier numéro {i}", summary="Un résumé sans le mot.",
                   body="Long compte rendu. " * 200 + f"L'atelier {i} a réuni douze conseillers.")
    cold = run_search("atelier")
    with CaptureQueriesContext(connection) as warm_queries:
        warm = run_search("atelier")
    assert [(h.entry.pk, str(h.title_html), str(h.snippet)) for h in warm.hits] == \
        [(h.entry.pk, str(h.title_html), str(h.snippet)) for h in cold.hits]
    assert all("<mark>atelier</mark>" in str(h.snippet).lower() for h in warm.hits)
    assert all(hasattr(h.snippet, "__html__") and hasattr(h.title_html, "__html__") for h in warm.hits)
    [entries] = [q["sql"] for q in warm_queries.captured_queries if "search_searchentry" in q["sql"]]
    assert '"body"' not in entries and '"summary"' not in entries


@pytest.mark.parametrize("q", ["", "atelier"])
def test_newest_first_pages_follow_the_entries_dates_and_permissions(make_entry, member, q):
    """Browsing (no words) and the "most recent" sort choose their page over the narrow facet
    rows: the same entries, in the same order, as sorting the permitted entries themselves."""
    for i in range(40):
        make_entry(f"Atelier {i}", themes=["vae"] if i % 3 else ["cpf"], days_ago=(i * 7) % 11,
                   access=["public", "members", "group:991", "members"][i % 4])
    expected = list(SearchEntry.objects.filter(reader_for(member).q(), themes__contains=" vae ")
                    .order_by("-published_at", "-id").values_list("title", flat=True))
    assert 10 < len(expected) < 20
    shown = [titles(run_search(q, user=member, sort="recent", page=page, theme="vae")) for page in (1, 2)]
    assert shown == [expected[:10], expected[10:]]


def test_a_stale_cached_page_still_passes_the_permission_filter(make_entry, member):
    entry = make_entry("Atelier du réseau", access="members")
    assert titles(run_search("atelier", user=member)) == ["Atelier du réseau"]
    # Another process restricts the entry and this process's cache does not know it yet (a
    # per-process cache; production shares the generation): the cached ids and highlights are
    # served, the entry is not.
    SearchEntry.objects.filter(pk=entry.pk).update(access="group:991")
    assert titles(run_search("atelier", user=member)) == []


def test_cached_ids_still_pass_the_permission_filter(make_entry, member):
    entry = make_entry("Atelier réservé", access="members")
    assert titles(run_search("atelier", user=member)) == ["Atelier réservé"]
    # Even if a stale summary were served, the entries shown are loaded with the
    # reader's permission filter: a visitor never gets the members' entry.
    reader = Reader(frozenset({PUBLIC}))
    assert entry.pk not in [h.entry.pk for h in searcher.run(parsed=parse("atelier"), filters=searcher.Filters(),
                                                               reader=reader).hits]


@pytest.mark.parametrize("size", [4, 40])
def test_query_count_does_not_depend_on_the_number_of_entries(make_entry, size, django_assert_max_num_queries):
    for i in range(size):
        make_entry(f"Atelier {i}", themes=["vae", "cpf"][: 1 + i % 2], region=["", "bretagne"][i % 2])
    from search import labels as search_labels

    search_labels.taxonomy_labels()  # cached separately (per process), not the search's work
    # The statement, the re-ranking window (without bodies) and the bodies of the shown hits whose
    # snippets need them (these entries have no summary).
    with django_assert_max_num_queries(4):
        run_search("atelier", theme="cpf", user=AnonymousUser())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgres_title_body_index_exists():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'search_indexentry_title_body_gin'")
        row = cursor.fetchone()
    assert row and "gin" in row[0] and "title || body" in row[0]


def test_bulk_indexing_refreshes_the_title_norms_once():
    """A rebuild in batches scans the index table for the average title length once, at
    the end, not after every batch; the new rows still get their title_norm."""
    from modelsearch.conf import get_app_config

    source_type = ContentType.objects.get_for_model(Permission)
    items = [(EntryData(kind="resource", title="Atelier " + "long " * n, url=f"/n/{n}/", access="public"),
              source_type, f"norm-{n}") for n in range(4)]
    with CaptureQueriesContext(connection) as ctx:
        entries = services.bulk_upsert(items, batch_size=1)
    averages = [q for q in ctx.captured_queries if "AVG(" in q["sql"].upper()]
    assert len(averages) == 1
    index_entries = get_app_config().get_model("IndexEntry").objects.filter(
        content_type=ContentType.objects.get_for_model(SearchEntry), object_id__in=[str(e.pk) for e in entries])
    norms = sorted(index_entries.values_list("title_norm", flat=True))
    assert len(norms) == 4 and norms[0] < norms[-1] and 1.0 not in norms


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5 path")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(st.tuples(entry_strategy, st.integers(1, 4), st.integers(0, 6)), min_size=1, max_size=14),
       filters=filters_strategy, member=st.booleans(), window=st.integers(1, 6))
def test_best_results_under_facets_equal_the_unfiltered_ranking_filtered(specs, filters, member, window):
    """With a narrowing facet, bm25 is computed in a second FTS5 pass over the matches under
    the facets only: the best results and their scores are exactly those of the full
    ranking (every permitted match scored in one pass) restricted to the facets."""
    marker = f"lot{next(_batch)}x"
    source_type = ContentType.objects.get_for_model(Permission)
    now = timezone.now()
    items = []
    for n, (spec, in_title, in_body) in enumerate(specs):
        data = EntryData(
            kind="resource", subkind=spec["kind"], title=f"{marker} " + "atelier " * in_title,
            body=" ".join(["atelier"] * in_body + ["conseil"] * (6 - in_body)),
            url=f"/e/{marker}/{n}/", access=spec["access"], themes=spec["themes"], audiences=spec["audiences"],
            service_levels=spec["service_levels"], region=spec["region"],
            published_at=now - timedelta(days=spec["age"]),
        )
        items.append((data, source_type, f"{marker}-{n}"))
    entries = services.bulk_upsert(items)
    values = {entry.pk: _values(spec) for entry, (spec, _t, _b) in zip(entries, specs, strict=True)}
    reader = Reader(frozenset({PUBLIC, MEMBERS} if member else {PUBLIC}))
    query = parse(f"{marker} atelier").to_search_query(database=True)
    from search import engine

    fts = searcher._SQLiteFTS(engine.backend(), query)
    narrow = EntryFacets.objects.filter(reader.q())
    _counts, _total, everything = fts.summary(narrow, searcher.Filters(), now, len(specs))
    _counts, _total, best = fts.summary(narrow, searcher.Filters(filters), now, window)

    def under_facets(pk):
        return all(not wanted or values[pk][group] & set(wanted) for group, wanted in filters.items())

    assert best == [(pk, score) for pk, score in everything if under_facets(pk)][:window]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5 path")
def test_the_second_bm25_pass_scans_the_fts_table_once(make_entry):
    """The second pass must not hand the ids to FTS5 as rowid constraints (FTS5 would run
    the match again for every id: seconds at 15k entries) nor depend on SQLite's optional
    automatic indexes to find them (a scan of the match set per row without them)."""
    for i in range(6):
        make_entry(f"Atelier {i}", themes=["vae"] if i % 2 else [])
    from search import engine

    # The SQL statement itself (searches take it when the bitmaps of search.sqlite_summary cannot answer).
    fts = searcher._SQLiteFTS(engine.backend(), parse("atelier").to_search_query(database=True))
    permission = searcher._permission_sql(EntryFacets.objects.filter(Reader(frozenset({PUBLIC})).q()))
    with CaptureQueriesContext(connection) as ctx:
        _counts, total, _best = fts.sql_summary(permission, searcher.Filters({"theme": ["vae"]}), timezone.now(), 10)
    assert total == 3
    [statement] = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("WITH m AS MATERIALIZED")]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA automatic_index = OFF")
        try:
            plan = [row[-1] for row in cursor.execute("EXPLAIN QUERY PLAN " + statement).fetchall()]
        finally:
            cursor.execute("PRAGMA automatic_index = ON")
    scans = [line for line in plan if "VIRTUAL TABLE" in line]
    assert len(scans) == 2 and not any(":=" in line for line in scans), plan
    assert any("LIST SUBQUERY" in line for line in plan), plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text path")
def test_postgres_matches_are_found_through_the_title_body_index(make_entry, gin_statements):
    """Nearly every index row is a search entry: a plain ``content_type_id = …`` lets the
    planner walk that column's b-tree and test ``@@`` on every row, detoasting both vectors
    of each (170 ms at 15k entries), instead of asking the GIN index on ``title || body``."""
    for i in range(40):
        make_entry(f"Atelier {i}" if i % 4 == 0 else f"Dossier {i}", body="compétences " * (i % 3))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE wagtailsearch_indexentry")
    from search import engine

    # The SQL statement itself (searches take it when the bitmaps of search.pg_summary cannot
    # answer; tests/search/test_pg_summary.py reads the plan of theirs).
    fts = searcher._PostgresFTS(engine.backend(), parse("atelier").to_search_query(database=True))
    permission = searcher._permission_sql(EntryFacets.objects.filter(Reader(frozenset({PUBLIC})).q()))
    with CaptureQueriesContext(connection) as ctx:
        assert fts.sql_summary(permission, searcher.Filters(), timezone.now(), 10)[1] == 10
    # Run with sequential scans off (searcher.run_on_gin_index), whatever the parameter binding.
    assert hinted(ctx.captured_queries, "WITH m AS MATERIALIZED")
    plan = explain_on_gin_index(*gin_statements[-1])
    matches = plan.split("CTE m", 1)[1].split("->  Result", 1)[0]
    assert "search_indexentry_title_body_gin" in matches, plan
    assert "content_type_id_" not in matches, plan
