"""Indexing one entry costs the same whatever the size of the index (issue 7, finding 2 of
docs/performance.md): the database engines' title norms (BM25's ``lavg / ld``) are set on
the rows just written, by their key, with a cached average title length, instead of an
average and an UPDATE over the whole index table inside every write transaction."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.models import Avg
from django.db.models.functions import Length
from django.test.utils import CaptureQueriesContext
from modelsearch.conf import get_app_config

from search import engine, services
from search.models import SearchEntry
from search.registry import EntryData

pytestmark = pytest.mark.django_db

IndexEntry = get_app_config().get_model("IndexEntry")
TABLE = IndexEntry._meta.db_table
SOURCE = Permission


def data(title, n):
    return EntryData(kind="resource", subkind="guide", title=title, url=f"/ressources/n{n}/", access="public",
                     body="Accompagnement des salariés vers la validation des acquis.")


@pytest.fixture
def index():
    """An index of 40 entries with titles of various lengths, written in bulk (the exact
    average is computed and cached at the end, as rebuild_search does)."""
    source_type = ContentType.objects.get_for_model(SOURCE)
    services.bulk_upsert([(data("Fiche " + "pratique " * (n % 7), n), source_type, f"norm-{n}") for n in range(40)],
                         batch_size=10)
    return engine.backend().get_index_for_model(SearchEntry)


def average_title_length():
    return (IndexEntry.objects.annotate(length=Length("title")).filter(length__gt=0)
            .aggregate(Avg("length"))["length__avg"])


def index_row(entry):
    return (IndexEntry.objects.annotate(length=Length("title"))
            .get(content_type=ContentType.objects.get_for_model(SearchEntry), object_id=str(entry.pk)))


def index_statements(captured):
    return [q["sql"] for q in captured if TABLE in q["sql"] and not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def full_scans(sql):
    """SQLite's plan lines that read the whole index table."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return [row[-1] for row in cursor.fetchall() if row[-1].startswith(f"SCAN {TABLE}")]


def test_one_upsert_never_averages_or_scans_the_whole_index(index):
    lavg = average_title_length()
    with CaptureQueriesContext(connection) as ctx:
        entry = services.upsert(data("Entretien de diagnostic", 100), source_type=SOURCE, source_id="new-1")
    statements = index_statements(ctx.captured_queries)
    assert statements, "the entry went to the index"
    assert not [sql for sql in statements if "AVG(" in sql.upper()]
    norm_updates = [sql for sql in statements if sql.startswith("UPDATE") and "title_norm" in sql]
    assert norm_updates, "the new row's title norm is set"
    for sql in norm_updates:
        assert "object_id" in sql and "IN (" in sql, sql  # the rows just written, by their key
        assert "title_norm\" = 1.0" not in sql and "title_norm = 1.0" not in sql, sql
    if connection.vendor == "sqlite":
        assert not [(sql, plan) for sql in statements if (plan := full_scans(sql))]
    row = index_row(entry)
    assert row.title_norm == pytest.approx(lavg / row.length, rel=engine.NORM_TOLERANCE)
    assert row.title_norm != 1.0


def test_a_retitled_entry_gets_the_norm_of_its_new_title(index):
    """Ranking weighs a title match by the title's length: a renamed thread or page must not
    keep the norm of its old title (modelsearch's SQLite index kept it)."""
    entry = services.upsert(data("Fiche", 200), source_type=SOURCE, source_id="retitled")
    short = index_row(entry).title_norm
    lavg = average_title_length()
    entry = services.upsert(data("Fiche pratique " * 6, 200), source_type=SOURCE, source_id="retitled")
    row = index_row(entry)
    assert row.title_norm < short
    assert row.title_norm == pytest.approx(lavg / row.length, rel=0.05)


def test_the_average_is_recomputed_once_when_it_expires_before_the_write_transaction(index):
    cache.clear()  # SEARCH_TITLE_NORM_SECONDS have passed
    with CaptureQueriesContext(connection) as ctx:
        services.upsert(data("Atelier CV", 300), source_type=SOURCE, source_id="expired-1")
        services.upsert(data("Atelier lettre de motivation", 301), source_type=SOURCE, source_id="expired-2")
    sql = [q["sql"] for q in ctx.captured_queries]
    averages = [i for i, s in enumerate(sql) if "AVG(" in s.upper() and TABLE in s]
    assert len(averages) == 1
    # Before the index writes (on SQLite a transaction holds the write lock from BEGIN).
    writes = [i for i, s in enumerate(sql) if TABLE in s and s.startswith(("INSERT", "UPDATE"))]
    assert averages[0] < writes[0]


def test_bulk_indexing_sets_exact_norms_on_the_rows_it_wrote(index):
    lavg = average_title_length()
    rows = IndexEntry.objects.annotate(length=Length("title")).filter(
        content_type=ContentType.objects.get_for_model(SearchEntry))
    assert rows.count() == 40
    for row in rows:
        assert row.title_norm == pytest.approx(lavg / row.length, rel=engine.NORM_TOLERANCE)


def test_maintenance_command_brings_every_norm_to_the_exact_average(index):
    IndexEntry.objects.update(title_norm=5.0)  # e.g. norms left by an older average
    cache.clear()
    call_command("rebuild_search", "--title-norms", stdout=open("/dev/null", "w"))  # noqa: SIM115
    lavg = average_title_length()
    assert cache.get(engine._average_key(engine.backend().get_index_for_model(SearchEntry))) == pytest.approx(lavg)
    for row in IndexEntry.objects.annotate(length=Length("title")).filter(length__gt=0):
        assert row.title_norm == pytest.approx(lavg / row.length, rel=engine.NORM_TOLERANCE)
