"""Prepared writes (comcep.core.prepared.PreparedUpdate / PreparedInsert) and the database queue's
prepared task rows (comcep.core.taskqueue): compiled once per process, they must write exactly
what the ORM writes (same SQL, same rows, same signals), and refuse a statement they cannot
reproduce rather than write something else."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.constants import OnConflict
from django.db.models.functions import Coalesce
from django.db.models.signals import post_save, pre_save
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comcep.core import taskqueue
from comcep.core.prepared import PreparedCreate, PreparedInsert, PreparedQueryError, PreparedUpdate
from forums import services
from forums.models import Post, Subscription, Thread
from tests.factories import UserFactory
from tests.factories.forums import make_thread

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("forum_posting_settings")]

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _counters(thread):
    row = Thread.objects.filter(pk=thread.pk).values("post_count", "last_post", "last_post_at",
                                                    "first_reply_at").get()
    return row


# --- PreparedUpdate ---------------------------------------------------------------------------


@pytest.mark.parametrize("answered", [True, False])
def test_prepared_update_runs_the_sql_the_orm_would(answered):
    thread = make_thread(replies=1)
    post = thread.posts.order_by("pk").last()
    at = timezone.now()
    values = {"post_count": F("post_count") + 1, **services._if_newest_values(post.pk, at)}
    if answered:
        values["first_reply_at"] = Coalesce(F("first_reply_at"), Value(at))
    with CaptureQueriesContext(connection) as orm, transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(**values)
        expected = _counters(thread)
        transaction.set_rollback(True)
    with CaptureQueriesContext(connection) as prepared, transaction.atomic():
        assert services.REPLY_THREAD_COUNTERS.execute(answered, thread=thread.pk, post=post.pk, at=at) == 1
        assert _counters(thread) == expected
        transaction.set_rollback(True)
    update = [q["sql"] for q in orm.captured_queries if q["sql"].startswith("UPDATE")]
    assert update == [q["sql"] for q in prepared.captured_queries if q["sql"].startswith("UPDATE")]


def test_prepared_update_keeps_an_older_reply_from_taking_the_last_post():
    """_if_newest's condition travels with the prepared statement: a reply timestamped before the
    thread's last post counts but does not become the last post (tests/forums/test_concurrency.py)."""
    thread = make_thread(replies=2)
    before = _counters(thread)
    older = before["last_post_at"] - datetime.timedelta(seconds=5)
    services.REPLY_THREAD_COUNTERS.execute(False, thread=thread.pk, post=before["last_post"] + 1000, at=older)
    after = _counters(thread)
    assert after["post_count"] == before["post_count"] + 1
    assert (after["last_post"], after["last_post_at"]) == (before["last_post"], before["last_post_at"])
    newer = before["last_post_at"] + datetime.timedelta(seconds=5)
    services.REPLY_THREAD_COUNTERS.execute(False, thread=thread.pk, post=before["last_post"], at=newer)
    assert _counters(thread)["last_post_at"] == newer


def test_prepared_update_touches_only_the_row_given():
    first, second = make_thread(replies=1), make_thread(replies=1)
    counts = {t.pk: _counters(t)["post_count"] for t in (first, second)}
    services.REPLY_THREAD_COUNTERS.execute(False, thread=first.pk, post=_counters(first)["last_post"],
                                           at=timezone.now())
    assert _counters(first)["post_count"] == counts[first.pk] + 1
    assert _counters(second)["post_count"] == counts[second.pk]
    assert services.REPLY_THREAD_COUNTERS.execute(False, thread=10**30, post=1, at=timezone.now()) == 0


def test_prepared_update_refuses_a_value_that_does_not_travel_as_a_parameter():
    inlined = PreparedUpdate("test.inlined", lambda *, thread: (Thread.objects.filter(pk=thread),
                                                                {"post_count": abs(thread)}),
                             params={"thread": int})
    with pytest.raises(PreparedQueryError):
        inlined.execute(thread=1)
    ignored = PreparedUpdate("test.ignored", lambda *, thread: (Thread.objects.all(), {"post_count": 0}),
                             params={"thread": int})
    with pytest.raises(PreparedQueryError):  # the filter was forgotten: every row would be updated
        ignored.execute(thread=1)
    with pytest.raises(TypeError):
        services.REPLY_SPACE_COUNTERS.execute(space="1", post=1, at=timezone.now())


# --- PreparedInsert ---------------------------------------------------------------------------


def test_prepared_insert_writes_the_row_bulk_create_writes():
    thread = make_thread()
    member = UserFactory()
    statement = PreparedInsert("test.subscribe", Subscription, on_conflict=OnConflict.IGNORE)
    at = timezone.now() - datetime.timedelta(days=1)
    assert statement.execute(Subscription(user=member, thread=thread, created_at=at)) == 1
    assert statement.execute(Subscription(user=member, thread=thread)) == 0  # the conflict is ignored
    assert list(Subscription.objects.filter(user=member).values_list("thread_id", "space_id", "created_at")) == [
        (thread.pk, None, at)]
    with CaptureQueriesContext(connection) as orm, transaction.atomic():
        Subscription.objects.bulk_create([Subscription(user=member, space=thread.space)], ignore_conflicts=True)
        transaction.set_rollback(True)
    insert = [q["sql"].split(" VALUES ")[0] for q in orm.captured_queries if "INSERT" in q["sql"]]
    assert insert == [statement.sql().split(" VALUES ")[0]]


def test_follow_is_one_statement_and_idempotent():
    thread = make_thread()
    member = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        services.follow(member, thread=thread)
    assert len(queries) == 1
    services.follow(member, thread=thread)
    services.follow(member, space=thread.space)
    assert Subscription.objects.filter(user=member).count() == 2


# --- PreparedCreate ----------------------------------------------------------------------------


def _post_row(post):
    return {f.attname: getattr(post, f.attname) for f in Post._meta.concrete_fields if f.attname != "id"}


def test_prepared_create_writes_the_row_and_instance_objects_create_writes():
    thread, member = make_thread(), UserFactory()
    at = timezone.now() - datetime.timedelta(hours=1)
    values = {"thread": thread, "author": member, "body": "Deux mois.", "html": "<p>Deux mois.</p>",
              "created_at": at}
    with CaptureQueriesContext(connection) as queries:
        post = services.REPLY_INSERT.create(Post(**values, needs_approval=True))
    assert len(queries) == 1 and queries[0]["sql"].startswith('INSERT INTO "forums_post"')
    orm = Post.objects.create(**values, needs_approval=True)
    assert isinstance(post.pk, int) and orm.pk == post.pk + 1
    assert not post._state.adding and post._state.db == "default"
    assert _post_row(Post.objects.get(pk=post.pk)) == _post_row(Post.objects.get(pk=orm.pk)) == _post_row(post)
    assert post.thread is thread and post.author is member  # the instance keeps its related objects
    default = services.REPLY_INSERT.create(Post(thread=thread, author=member, body="b", html="<p>b</p>"))
    assert Post.objects.get(pk=default.pk).created_at == default.created_at  # the field's default, as the ORM


def test_prepared_create_sends_the_save_signals():
    thread, member = make_thread(), UserFactory()
    seen = []

    def before(sender, instance, raw, using, update_fields, **kwargs):
        seen.append(("pre_save", instance.pk, raw, using, update_fields))

    def after(sender, instance, created, raw, using, update_fields, **kwargs):
        seen.append(("post_save", instance.pk, created, raw, using, update_fields))

    pre_save.connect(before, sender=Post)
    post_save.connect(after, sender=Post)
    try:
        post = services.REPLY_INSERT.create(Post(thread=thread, author=member, body="b", html="<p>b</p>"))
    finally:
        pre_save.disconnect(before, sender=Post)
        post_save.disconnect(after, sender=Post)
    assert seen == [("pre_save", None, False, "default", None), ("post_save", post.pk, True, False, "default", None)]


def test_prepared_create_marks_the_transaction_for_rollback_on_error():
    thread, member = make_thread(), UserFactory()
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            services.REPLY_INSERT.create(Post(thread=thread, author=member, body=None, html="<p></p>"))
        assert transaction.get_rollback()  # as Model.save: the block rolls back, nothing half-written


def test_prepared_create_refuses_what_it_cannot_reproduce():
    from resources.models import ResourcePage

    with pytest.raises(PreparedQueryError):
        PreparedCreate("test.resource", ResourcePage)  # multi-table inheritance: several INSERTs
    post = Post.objects.create(thread=make_thread(), author=UserFactory(), body="b", html="<p>b</p>")
    with pytest.raises(PreparedQueryError):
        services.REPLY_INSERT.create(post)  # already saved


# --- Task rows ---------------------------------------------------------------------------------


def _row(result_id):
    from django_tasks_db.models import DBTaskResult

    row = DBTaskResult.objects.get(pk=result_id)
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields
            if f.attname not in ("id", "enqueued_at")}


@override_settings(TASKS=DB_QUEUE)
def test_enqueue_row_writes_the_row_and_signals_task_enqueue_does():
    from django_tasks_db.compat import task_enqueued

    from forums.tasks import announce_post

    seen = []

    def record(sender, task_result, **kwargs):
        seen.append(task_result)

    saved = []

    def record_save(sender, instance, **kwargs):
        saved.append(instance.pk)

    task_enqueued.connect(record)
    pre_save.connect(record_save, sender="django_tasks_database.DBTaskResult")
    try:
        before = timezone.now()
        with transaction.atomic():
            ours = taskqueue.enqueue_row(announce_post, 12)
        theirs = announce_post.enqueue(12)
    finally:
        task_enqueued.disconnect(record)
        pre_save.disconnect(record_save, sender="django_tasks_database.DBTaskResult")
    assert _row(ours.id) == _row(theirs.id)
    assert ours.id != theirs.id and ours.args == [12] and ours.status == theirs.status
    assert [r.id for r in seen] == [ours.id, theirs.id]
    assert len(saved) == 2
    assert ours.enqueued_at >= before
    assert taskqueue.pending(announce_post, 12)
    assert not taskqueue.pending(announce_post, 13)


@override_settings(TASKS=DB_QUEUE)
def test_enqueue_many_writes_the_rows_and_signals_task_enqueue_does_in_one_statement():
    from django_tasks_db.compat import task_enqueued

    from forums.tasks import announce_thread

    seen = []

    def record(sender, task_result, **kwargs):
        seen.append(task_result)

    task_enqueued.connect(record)
    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            assert taskqueue.enqueue_many(announce_thread, [(7,), (8,), (9,)]) == 3
        theirs = announce_thread.enqueue(8)
    finally:
        task_enqueued.disconnect(record)
    assert [q["sql"].split()[0] for q in queries.captured_queries].count("INSERT") == 1
    ours = seen[:3]
    assert [r.args for r in ours] == [[7], [8], [9]] and len({r.id for r in ours}) == 3
    assert _row(ours[1].id) == _row(theirs.id)
    assert all(taskqueue.pending(announce_thread, n) for n in (7, 8, 9))


@override_settings(TASKS=DB_QUEUE)
def test_enqueue_many_rolls_back_with_its_transaction():
    from django_tasks_db.models import DBTaskResult

    from forums.tasks import announce_thread

    with pytest.raises(RuntimeError), transaction.atomic():
        taskqueue.enqueue_many(announce_thread, [(7,)])
        raise RuntimeError("the caller's transaction fails")
    assert not DBTaskResult.objects.exists()


@override_settings(TASKS=DB_QUEUE)
def test_pending_finds_only_ready_identical_tasks():
    from django_tasks_db.models import DBTaskResult

    from search.tasks import reindex_source

    assert not taskqueue.pending(reindex_source, 3, "7")
    result = reindex_source.enqueue(3, "7")
    with transaction.atomic():
        assert taskqueue.pending(reindex_source, 3, "7")
        assert not taskqueue.pending(reindex_source, 3, "8")
        assert not taskqueue.pending(reindex_source, 3, 7)  # JSON 7 is not "7"
    assert taskqueue.pending(reindex_source, 3, "7")
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING")
    assert not taskqueue.pending(reindex_source, 3, "7")


@override_settings(TASKS=DB_QUEUE)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner")
def test_pending_reads_the_ready_rows_of_its_task_and_arguments_through_their_index():
    # Without the index (migration core/0003) and the status written as a literal, the check read every
    # READY row (and, in PostgreSQL's generic plan, every row): docs/performance.md, "Session 10".
    from search.tasks import reindex_source

    sql, params, _slot = taskqueue._pending_statement("default", reindex_source.module_path, False)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "comcep_task_pending" in plan


@override_settings(TASKS=DB_QUEUE)
def test_enqueue_unless_pending_writes_one_row_per_waiting_task_in_one_statement():
    """A task identical to one waiting (READY) is not queued again: the same row as ``enqueue`` writes, in
    one statement, else nothing; once the waiting one has started, a new one is queued."""
    from django_tasks_db.compat import task_enqueued
    from django_tasks_db.models import DBTaskResult

    from forums.tasks import announce_thread

    seen = []

    def record(sender, task_result, **kwargs):
        seen.append(task_result.id)

    later = timezone.now() + datetime.timedelta(seconds=2)
    task_enqueued.connect(record)
    try:
        with transaction.atomic():
            with CaptureQueriesContext(connection) as first:
                assert taskqueue.enqueue_unless_pending(announce_thread.using(run_after=later), 7)
            with CaptureQueriesContext(connection) as second:
                assert not taskqueue.enqueue_unless_pending(announce_thread, 7)
            assert taskqueue.enqueue_unless_pending(announce_thread, 8)  # another thread
        theirs = announce_thread.using(run_after=later).enqueue(7)
    finally:
        task_enqueued.disconnect(record)
    assert [len(first), len(second)] == [1, 1]
    ours = DBTaskResult.objects.filter(args_kwargs={"args": [7], "kwargs": {}}).exclude(pk=theirs.id).get()
    assert _row(ours.pk) == _row(theirs.id)
    assert seen[0] == str(ours.pk) and len(seen) == 3
    DBTaskResult.objects.filter(pk=theirs.id).delete()
    ours.claim("test")  # started: it may have read already
    assert taskqueue.enqueue_unless_pending(announce_thread, 7)
    assert DBTaskResult.objects.filter(args_kwargs={"args": [7], "kwargs": {}}, status="READY").count() == 1
