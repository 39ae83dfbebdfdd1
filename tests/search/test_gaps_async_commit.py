"""The search log's write (docs/performance.md, "Session 8: search pages' stalls"): a new search is
still logged and counted exactly as before; on PostgreSQL its row is written by one statement
that is its own transaction, committed with ``synchronous_commit`` off, and the setting never
reaches another transaction (a caller's, or the next one on a persistent connection)."""

import re

import pytest
from django.db import connection, transaction

from search import gaps
from search.models import SearchEntry, SearchGap, SearchQueryLog
from search.query import parse

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's synchronous_commit")


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.fixture
def entries(make_entry):
    make_entry("Préparer un entretien VAE", body="Conseils pour l'entretien de VAE")
    for i in range(3):
        make_entry(f"Atelier bilan {i}", body="bilan de compétences")


class Statements:
    """The SQL statements a block sends, with whether a transaction was open (Django's own hook)."""

    def __init__(self):
        self.seen = []

    def __call__(self, execute, sql, params, many, context):
        self.seen.append((sql, connection.in_atomic_block, connection.get_autocommit()))
        return execute(sql, params, many, context)

    def log_inserts(self):
        return [s for s in self.seen if 'INSERT INTO "search_searchquerylog"' in s[0]]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("restore_migrated_data")
def test_searches_outside_a_transaction_are_logged_grouped_and_counted(client, entries):
    statements = Statements()
    with connection.execute_wrapper(statements):
        html = client.get("/recherche/", {"q": "Entretien  VAE"}).content.decode()
        client.get("/recherche/", {"q": "vae entretiens"})
        client.get("/recherche/", {"q": "introuvable"})
        client.get("/recherche/api/", {"q": "bilan"})
    rows = list(SearchQueryLog.objects.order_by("pk").values_list("query", "result_count", "source", "gap__key",
                                                                    "clicks", "filtered"))
    key = gaps.query_key
    assert rows == [
        ("entretien vae", 1, "html", key(parse("vae entretien")), 0, False),
        ("vae entretiens", 1, "html", key(parse("vae entretien")), 0, False),
        ("introuvable", 0, "html", key(parse("introuvable")), 0, False),
        ("bilan", 3, "api", key(parse("bilan")), 0, False),
    ]
    assert SearchGap.objects.count() == 3
    first = SearchQueryLog.objects.order_by("pk").first()
    assert f"r={first.pk}" in html.replace("&amp;", "&")  # refinements point at the row just written
    assert re.search(rf"/recherche/aller/{first.pk}/\d+/", html)
    from django.utils import timezone
    today = timezone.localdate()
    figures = {g.key: (g.searches_count, g.zero_results, g.no_click)
               for g in gaps.gap_rows(today, today, show=gaps.SHOW_ALL)}
    assert figures == {key(parse("vae entretien")): (2, 0, 2), key(parse("introuvable")): (1, 1, 0),
                       key(parse("bilan")): (1, 0, 0)}
    inserts = statements.log_inserts()
    if connection.vendor == "postgresql":
        # A query seen before: one statement finds its group and writes the row. A new query: that
        # statement writes nothing (no group yet), then the group is created and the row inserted.
        assert [sql.startswith("WITH gap AS") for sql, _a, _b in inserts] == [
            True, False, True, True, False, True, False]
    else:
        assert len(inserts) == 4
    if connection.vendor == "postgresql":
        # Each is one statement sent outside any transaction (autocommit: its own transaction)...
        assert all(not in_atomic and autocommit for _sql, in_atomic, autocommit in inserts)
        assert all("set_config('synchronous_commit', 'off', true)" in sql for sql, _a, _b in inserts)
        # ...and the setting died with it: the connection's next transaction commits synchronously.
        with transaction.atomic():
            assert synchronous_commit() == "on"


@postgres_only
@pytest.mark.django_db
def test_the_log_statement_turns_synchronous_commit_off_for_its_own_transaction(entries):
    assert synchronous_commit() == "on"
    log_id = gaps._insert_async(SearchQueryLog(query="vae", result_count=2, source="html"))
    assert synchronous_commit() == "off"  # inside the (test's) transaction that wrote the row
    assert SearchQueryLog.objects.filter(pk=log_id, query="vae", result_count=2, clicks=0).exists()


@postgres_only
@pytest.mark.django_db
def test_inside_a_callers_transaction_the_log_commits_with_it(entries):
    assert connection.in_atomic_block
    tracking = gaps.track(parse("entretien vae"), total=1, filtered=False, source="html")
    assert SearchQueryLog.objects.filter(pk=tracking.log_id).exists()
    assert synchronous_commit() == "on"  # the caller's other writes stay synchronous


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("restore_migrated_data")
def test_a_group_created_meanwhile_is_reused_not_duplicated():
    existing = SearchGap.objects.create(key="vae", label="VAE")
    assert gaps._create_gap("vae", "vae").pk == existing.pk
    fresh = gaps._create_gap("bilan", "bilan")
    assert SearchGap.objects.get(key="bilan").pk == fresh.pk and fresh.label == "bilan"
    assert fresh.status == "open" and fresh.recommended_entry is None
    assert SearchGap.objects.count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("restore_migrated_data")
def test_a_known_query_is_logged_and_its_recommendation_read_in_one_statement(make_entry):
    """PostgreSQL: the group's lookup and the row's insert are one statement; the recommended entry it
    returns is the ORM's, field for field; the row stored is the one the ORM would store."""
    entry = make_entry("Financer une reconversion", summary="Les dispositifs", body="Corps du texte",
                       themes=["vae"], url="/ressources/financer/")
    gap = SearchGap.objects.create(key=gaps.query_key(parse("transition pro")), label="transition pro",
                                   recommended_entry=entry, status="handled")
    plain = SearchGap.objects.create(key=gaps.query_key(parse("bilan")), label="bilan")
    statements = Statements()
    with connection.execute_wrapper(statements):
        tracking = gaps.track(parse("Transitions PRO"), total=0, filtered=True, source="api")
        other = gaps.track(parse("bilan"), total=3, filtered=False, source="html")
    assert len(statements.seen) == (2 if connection.vendor == "postgresql" else 4)
    expected = SearchEntry.objects.get(pk=entry.pk)
    assert type(tracking.recommended) is SearchEntry
    assert ({f.attname: getattr(tracking.recommended, f.attname) for f in SearchEntry._meta.concrete_fields}
            == {f.attname: getattr(expected, f.attname) for f in SearchEntry._meta.concrete_fields})
    assert not tracking.recommended._state.adding and tracking.recommended._state.db == "default"
    assert other.recommended is None
    rows = SearchQueryLog.objects.order_by("pk").values("pk", "query", "gap", "result_count", "filtered", "source",
                                                         "clicks")
    assert list(rows) == [
        {"pk": tracking.log_id, "query": "transitions pro", "gap": gap.pk, "result_count": 0, "filtered": True,
         "source": "api", "clicks": 0},
        {"pk": other.log_id, "query": "bilan", "gap": plain.pk, "result_count": 3, "filtered": False,
         "source": "html", "clicks": 0},
    ]
    assert SearchQueryLog.objects.get(pk=other.log_id).created_at is not None
    if connection.vendor == "postgresql":
        assert all("set_config('synchronous_commit', 'off', true)" in sql for sql, _a, _b in statements.seen)
        with transaction.atomic():
            assert synchronous_commit() == "on"


@postgres_only
@pytest.mark.django_db
def test_inside_a_callers_transaction_a_known_query_leaves_synchronous_commit_on(entries):
    first = gaps.track(parse("entretien vae"), total=1, filtered=False, source="html")  # creates the group
    statements = Statements()
    with connection.execute_wrapper(statements):
        again = gaps.track(parse("vae entretien"), total=1, filtered=False, source="html")
    assert len(statements.seen) == 1 and "set_config" not in statements.seen[0][0]
    assert synchronous_commit() == "on"
    assert (SearchQueryLog.objects.get(pk=again.log_id).gap_id == SearchQueryLog.objects.get(pk=first.log_id).gap_id
            is not None)


@pytest.mark.django_db
def test_moderators_searches_write_nothing_and_still_get_the_recommendation(make_entry):
    entry = make_entry("Financer une reconversion")
    SearchGap.objects.create(key=gaps.query_key(parse("transition pro")), label="transition pro",
                             recommended_entry=entry, status="handled")
    tracking = gaps.track(parse("transition pro"), total=0, filtered=False, source="html", record=False)
    assert tracking.log_id is None and tracking.recommended == entry
    assert not SearchQueryLog.objects.exists()
