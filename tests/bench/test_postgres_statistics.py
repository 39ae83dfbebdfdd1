"""PostgreSQL: seed_bulk leaves planner statistics for every table (docs/performance.md, "Session 6").

Autovacuum analyses a table only once 50 + 10 % of its rows changed, so the small tables of a seeded
database (conversations, spaces' moderators, taxonomy...) kept none, and the planner assumed ~10 pages
of rows for them: a hash join over every member for a one-conversation inbox."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="PostgreSQL planner statistics (pg_class.reltuples); SQLite has no autovacuum"),
]


def test_seed_bulk_analyses_every_table():
    call_command("seed_bulk", "--members", "10", "--resources", "4", "--spaces", "2", "--threads", "3",
                 "--posts", "12", "--seed", "3", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                       " WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.reltuples < 0")
        never_analysed = [name for (name,) in cursor.fetchall()]
    assert never_analysed == []
