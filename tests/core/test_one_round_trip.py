"""comcep.core.prepared.one_round_trip (experiment of session 14): the writes inside go to PostgreSQL in one
round trip (psycopg's pipeline mode), one by one elsewhere; the same rows, every statement seen by Django's
query capture, and an error still rolls the whole transaction back."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from comcep.core.prepared import one_round_trip, write
from forums import services
from forums.models import Post, ReadMarker, Space, Subscription, Thread
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("forum_posting_settings")]

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_results_come_at_the_end_of_the_round_trip_in_order():
    thread = make_thread()
    seen = []
    sql = f'UPDATE {Thread._meta.db_table} SET "post_count" = "post_count" WHERE "id" = %s'
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        with one_round_trip():
            first = write(sql, [thread.pk], then=lambda n: seen.append(("found", n)))
            write(sql, [thread.pk + 1000], then=lambda n: seen.append(("missing", n)))
            if connection.vendor == "postgresql":
                assert first is None and seen == []  # sent, not waited for
            else:
                assert first == 1
        assert seen == [("found", 1), ("missing", 0)]
    assert [q["sql"].startswith("UPDATE") for q in queries.captured_queries] == [True, True]


def test_an_error_in_the_round_trip_rolls_the_transaction_back():
    thread, member = make_thread(), UserFactory()
    Subscription.objects.create(user=member, thread=thread)
    table = Subscription._meta.db_table
    insert = f'INSERT INTO {table} ("user_id", "thread_id", "space_id", "created_at") VALUES (%s, %s, NULL, %s)'
    other, third = make_thread(), make_thread()
    after = []
    with pytest.raises(IntegrityError), transaction.atomic(), one_round_trip():
        write(insert, [member.pk, other.pk, thread.created_at])  # fine on its own
        write(insert, [member.pk, thread.pk, thread.created_at], then=after.append)  # unique (user, thread)
        write(insert, [member.pk, third.pk, thread.created_at], then=after.append)  # not run
    assert after == []
    assert list(Subscription.objects.filter(user=member).values_list("thread_id", flat=True)) == [thread.pk]
    with connection.cursor() as cursor:  # the connection is usable again
        cursor.execute("SELECT 1")


@override_settings(TASKS=DB_QUEUE)
def test_a_reply_writes_the_same_rows_in_one_round_trip_or_several(monkeypatch):
    author = UserFactory()
    rows = {}
    make_thread(replies=1)  # the process's first reply compiles and caches what the later ones reuse
    for one in (False, True):
        monkeypatch.setattr(services, "PIPELINED_REPLY", one)
        space, replier = SpaceFactory(), UserFactory()  # a new member object: nothing cached on it
        thread = make_thread(space=space, author=author, title="Fil jumeau", replies=1)
        DBTaskResult.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            post = services.add_reply(thread=thread, author=replier, body="Une réponse jumelle.")
        space_row = Space.objects.filter(pk=space.pk).values("post_count", "thread_count", "last_post").get()
        thread_row = Thread.objects.filter(pk=thread.pk).values("post_count", "last_post", "first_reply_at").get()
        rows[one] = {
            "statements": len(queries),
            "thread": {**thread_row, "last_post": thread_row["last_post"] == post.pk},
            "space": {**space_row, "last_post": space_row["last_post"] == post.pk},
            "subscribed": Subscription.objects.filter(user=replier, thread=thread).count(),
            "marker": ReadMarker.objects.filter(user=replier, thread=thread, last_read_post=post).count(),
            "tasks": sorted(t.task_path for t in DBTaskResult.objects.filter(status="READY")),
            "announce_pending": Post.objects.get(pk=post.pk).announce_pending,
        }
        rows[one]["thread"]["first_reply_at"] = rows[one]["thread"]["first_reply_at"] is not None
    assert rows[True] == rows[False]
    assert rows[True]["tasks"] == ["forums.tasks.announce_thread", "search.tasks.reindex_source"]
    assert rows[True]["marker"] == 1 and rows[True]["subscribed"] == 1
