"""The thread and space pages count their rows through indexes: all the rows from an index alone, minus
the few rows a member is not listed from a partial index; and "has the thread certified answers?" from
a partial index. Counted from the rows, a thread of 3 000 posts cost 2 ms on every view of any of its
pages (docs/performance.md, "Session 14: page counts through indexes"). The counts themselves are
compared with the paginator's for every reader in tests/core/test_prepared.py."""

import pytest
from django.db import connection

from forums import queries

pytestmark = [
    pytest.mark.django_db,
    # PostgreSQL's planner picks by the tables' statistics, which a test database's few rows do not make
    # meaningful; the plans on the bench's PostgreSQL copy are in docs/performance.md.
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner (rule-based on these indexes)"),
]


def _plan(sql, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_a_members_thread_page_counts_and_finds_certified_posts_through_indexes():
    plan = _plan(*queries.THREAD_PAGE.sql("member"))
    assert "USING COVERING INDEX" in plan and "forums_post" in plan  # all the thread's posts, no row read
    assert "USING INDEX forums_post_not_public" in plan  # the others' posts awaiting approval
    assert "USING INDEX forums_post_certified" in plan


def test_a_moderators_thread_page_counts_every_post_from_an_index_alone():
    plan = _plan(*queries.THREAD_PAGE.sql("moderator"))
    assert "USING COVERING INDEX" in plan
    assert "forums_post_not_public" not in plan


def test_a_members_space_page_counts_its_threads_through_indexes():
    plan = _plan(*queries.SPACE_PAGE.sql("member", ""))
    assert "USING COVERING INDEX forums_thread_space" in plan
    assert "USING INDEX forums_thread_not_listed" in plan
