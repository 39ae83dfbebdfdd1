"""Independent writes sent together (comcep.core.prepared.Writes): one statement on PostgreSQL, one per write
elsewhere; the same rows either way, each write's row count handed to its callback in order after the
statement, none on error (docs/performance.md, "Session 16: posting on PostgreSQL"). And the reply, whose
counters, subscription, read marker and tasks are such writes: what it writes and the signals it sends."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comcep.core import taskqueue
from comcep.core.prepared import PreparedInsert, Writes
from forums import services
from forums.models import Post, ReadMarker, Subscription, Thread
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("forum_posting_settings")]


@pytest.fixture
def space(db):
    return SpaceFactory()

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Subscription's INSERT without ON CONFLICT: a second one for the same member and thread fails.
STRICT_SUBSCRIBE = PreparedInsert("tests.strict_subscribe", Subscription)


def _statements(captured):
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def _thread_row(thread):
    return Thread.objects.filter(pk=thread.pk).values("post_count", "last_post", "last_post_at",
                                                     "first_reply_at").get()


def _writes_of_a_reply(writes, thread, post, member, at):
    counts = []
    services.REPLY_THREAD_COUNTERS.execute(True, thread=thread.pk, post=post.pk, at=at, writes=writes,
                                           then=counts.append)
    services.SUBSCRIBE.execute(Subscription(user=member, thread=thread), writes=writes, then=counts.append)
    services.READ_MARKER_FORWARD.execute(user=member.pk, thread=thread.pk, post=post.pk, at=at, writes=writes,
                                         then=counts.append)
    services.REPLY_THREAD_COUNTERS.execute(True, thread=2**70, post=post.pk, at=at, writes=writes,
                                           then=counts.append)  # no row can have this id: no statement, 0
    return counts


def test_writes_are_one_statement_on_postgresql_and_write_what_separate_statements_write(space):
    member = UserFactory()
    rows, results = [], []
    for together in (False, True):
        thread = make_thread(space=space, replies=1)
        at = timezone.now()
        post = Post.objects.create(thread=thread, author=member, body="Réponse", html="<p>Réponse</p>", created_at=at)
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            if together:
                writes = Writes()
                counts = _writes_of_a_reply(writes, thread, post, member, at)
                assert counts == [] and len(writes) == 4  # nothing runs before run()
                returned = writes.run()
            else:
                counts = [services.REPLY_THREAD_COUNTERS.execute(True, thread=thread.pk, post=post.pk, at=at),
                          services.SUBSCRIBE.execute(Subscription(user=member, thread=thread)),
                          services.READ_MARKER_FORWARD.execute(user=member.pk, thread=thread.pk, post=post.pk,
                                                               at=at),
                          services.REPLY_THREAD_COUNTERS.execute(True, thread=2**70, post=post.pk, at=at)]
                returned = counts
        statements = _statements(captured)
        results.append((counts, returned))
        row = _thread_row(thread)
        rows.append((row["post_count"], row["last_post"] == post.pk, row["last_post_at"] == at,
                     row["first_reply_at"] is not None,
                     Subscription.objects.filter(user=member, thread=thread).count(),
                     ReadMarker.objects.filter(user=member, thread=thread).count()))
    # The marker's UPDATE finds no marker (0): the reply then writes the first one (services._after_post).
    assert results == [([1, 1, 0, 0], [1, 1, 0, 0])] * 2
    assert rows[0] == rows[1] == [(3, True, True, True, 1, 0)][0]
    if connection.vendor == "postgresql":
        assert len(statements) == 1 and statements[0].startswith("WITH w0 AS (UPDATE")
    else:
        assert len(statements) == 3


def test_a_failing_write_rolls_the_transaction_back_and_runs_no_callback(space):
    member = UserFactory()
    thread = make_thread(space=space, replies=1)
    before = _thread_row(thread)
    post = thread.posts.order_by("pk").last()
    Subscription.objects.create(user=member, thread=thread)
    called = []
    with pytest.raises(IntegrityError), transaction.atomic():
        writes = Writes()
        services.REPLY_THREAD_COUNTERS.execute(True, thread=thread.pk, post=post.pk, at=timezone.now(),
                                               writes=writes, then=called.append)
        STRICT_SUBSCRIBE.execute(Subscription(user=member, thread=thread), writes=writes, then=called.append)
        writes.run()
    assert called == []
    assert _thread_row(thread) == before  # the counters' UPDATE rolled back with the rest
    assert Subscription.objects.filter(user=member, thread=thread).count() == 1  # and the connection works


@override_settings(TASKS=DB_QUEUE)
def test_a_task_joining_writes_is_the_row_enqueue_unless_pending_writes_with_its_signals_after_the_statement():
    from django_tasks_db.compat import task_enqueued
    from django_tasks_db.models import DBTaskResult

    from forums.tasks import announce_thread

    seen = []

    def record(sender, task_result, **kwargs):
        seen.append(("enqueued", task_result.args))

    def saved(sender, instance, created, **kwargs):
        seen.append(("saved", instance.args_kwargs["args"], created))

    later = timezone.now() + datetime.timedelta(seconds=2)
    task_enqueued.connect(record)
    post_save.connect(saved, sender=DBTaskResult)
    try:
        with transaction.atomic():
            writes = Writes()
            assert taskqueue.enqueue_unless_pending(announce_thread.using(run_after=later), 41, writes=writes) is None
            assert taskqueue.enqueue_unless_pending(announce_thread.using(run_after=later), 42, writes=writes) is None
            assert seen == []
            assert writes.run() == [1, 1]
            assert seen == [("saved", [41], True), ("enqueued", [41]), ("saved", [42], True), ("enqueued", [42])]
            seen.clear()
            writes = Writes()
            taskqueue.enqueue_unless_pending(announce_thread, 41, writes=writes)  # waiting: not again
            assert writes.run() == [0] and seen == []
    finally:
        task_enqueued.disconnect(record)
        post_save.disconnect(saved, sender=DBTaskResult)
    theirs = announce_thread.using(run_after=later).enqueue(41)
    ours = DBTaskResult.objects.filter(args_kwargs={"args": [41], "kwargs": {}}).exclude(pk=theirs.id).get()
    columns = ("status", "args_kwargs", "priority", "task_path", "queue_name", "backend_name", "worker_ids",
               "return_value", "exception_class_path", "traceback", "started_at", "finished_at")
    assert ({c: getattr(ours, c) for c in columns} == {c: getattr(DBTaskResult.objects.get(pk=theirs.id), c)
                                                        for c in columns})
    assert abs(ours.run_after - later) < datetime.timedelta(seconds=1)


@override_settings(TASKS=DB_QUEUE)
def test_a_reply_writes_its_marker_subscription_counters_and_tasks_with_their_signals(space):
    """The reply's writes after its post go together (one statement on PostgreSQL): a member without a read
    marker gets one (the callback's second statement), the tasks' signals are sent for the rows written
    only (the second reply finds both tasks waiting), and the counters count both replies."""
    from django_tasks_db.compat import task_enqueued
    from django_tasks_db.models import DBTaskResult

    author, member = UserFactory(), UserFactory()
    thread = make_thread(space=space, author=author, replies=1)
    DBTaskResult.objects.all().delete()  # the thread's own tasks (run by a worker meanwhile)
    before = _thread_row(thread)
    space_posts = type(space).objects.get(pk=space.pk).post_count
    enqueued = []

    def record(sender, task_result, **kwargs):
        enqueued.append((task_result.task.name, task_result.args))

    task_enqueued.connect(record)
    try:
        with CaptureQueriesContext(connection) as captured:
            first = services.add_reply(thread=thread, author=member, body="Première réponse.")
        marker = ReadMarker.objects.get(user=member, thread=thread)
        assert (marker.last_read_post_id, marker.last_read_at) == (first.pk, first.created_at)
        assert sorted(name for name, _args in enqueued) == ["announce_thread", "reindex_source"]
        enqueued.clear()
        second = services.add_reply(thread=thread, author=member, body="Seconde réponse.")
    finally:
        task_enqueued.disconnect(record)
    assert enqueued == []  # both tasks of the thread were waiting
    marker.refresh_from_db()
    assert marker.last_read_post_id == second.pk
    assert Subscription.objects.filter(user=member, thread=thread).count() == 1
    row = _thread_row(thread)
    assert (row["post_count"], row["last_post"], row["first_reply_at"]) == (
        before["post_count"] + 2, second.pk, before["first_reply_at"] or first.created_at)
    assert type(space).objects.get(pk=space.pk).post_count == space_posts + 2
    statements = _statements(captured)
    after_post = statements[[i for i, sql in enumerate(statements) if sql.startswith('INSERT INTO "forums_post"')][0]
                            + 1:]
    if connection.vendor == "postgresql":
        # Counters (thread, space), subscription, marker, two tasks: one statement; then the first marker.
        assert after_post[0].startswith("WITH w0 AS (UPDATE") and after_post[0].count(" RETURNING 1)") == 6
        assert [sql.split(" ", 3)[:3] for sql in after_post[1:]] == [["INSERT", "INTO", '"forums_readmarker"']]
    else:
        assert len(after_post) == 7
