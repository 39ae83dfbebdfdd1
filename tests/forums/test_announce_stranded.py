"""Posts left waiting for their announcement by a FAILED task (django-tasks-db never runs a failed task again)
are announced by a task that the task queue's recovery queues (``manage.py requeue_stale_tasks``, which runs
``services.requeue_stranded_announcements`` registered in comcep.core.recovery): exactly once per member and
post, whatever the failure left done; never while a task of the thread is queued or running; at most one
task per thread and run, with a warning, for a task that fails every time. With the database queue and its
worker's own code (``db_worker``), as in production."""

import io
import logging
from collections import Counter
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from comcep.notifications import services as notification_services
from comcep.notifications.models import Notification
from forums import services
from forums.models import Post
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread
from tests.notifications.outbox import mailed

# Transactional: the worker runs tasks in autocommit, where a commit runs its on_commit callbacks at once.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("restore_migrated_data")]

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
ANNOUNCE = "forums.tasks.announce_thread"


def _worker_runs_the_queue() -> None:
    """``manage.py db_worker --batch``: every task ready to run is claimed, run, and marked SUCCESSFUL or
    FAILED (with its exception), by django-tasks-db's own worker."""
    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="test-worker", excluded_queue_names=[]).run()


def _announce_tasks(*statuses) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=ANNOUNCE, status__in=statuses).order_by("enqueued_at"))


def _recover(*args) -> str:
    """What the requeue-tasks job runs (deploy/run-job): the stale tasks, then the apps' recoveries."""
    out = io.StringIO()
    call_command("requeue_stale_tasks", *args, stdout=out)
    return out.getvalue()


class FailingNotify:
    """``notify_many`` (one call per group of posts the thread's task announces) failing as the database does
    under load ("database is locked") at the given calls."""

    def __init__(self, *failing_calls, always=False):
        self.failing, self.always, self.calls = set(failing_calls), always, 0
        self.real = notification_services.notify_many

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.always or self.calls in self.failing:
            raise OperationalError("database is locked")
        return self.real(*args, **kwargs)


@pytest.fixture
def cast(settings):
    """A thread, its author and a follower, a replier, a member to mention; the database queue, no delay."""
    author = UserFactory(display_name="Alice Auteur", email="alice@exemple.fr")
    follower = UserFactory(display_name="Fanny Suiveuse", email="fanny@exemple.fr")
    mentioned = UserFactory(display_name="Mona Mention", email="mona@exemple.fr")
    replier = UserFactory(display_name="Rémi Répond", email="remi@exemple.fr")
    thread = make_thread(space=SpaceFactory(), author=author, title="Financement d'une VAE")
    services.follow(follower, thread=thread)
    settings.TASKS = DATABASE_QUEUE
    settings.FORUMS_ANNOUNCE_DELAY_SECONDS = 0
    mail.outbox.clear()
    return thread, author, follower, mentioned, replier


def _stranded(thread, replier, *, failing: FailingNotify) -> list[Post]:
    """Two replies whose thread's task fails in the worker (``failing``)."""
    posts = [services.add_reply(thread=thread, author=replier, body="Voir @Mona Mention, qui connaît."),
             services.add_reply(thread=thread, author=replier, body="Et la région finance aussi.")]
    assert len(_announce_tasks(TaskResultStatus.READY)) == 1  # one task for both
    with mock.patch.object(notification_services, "notify_many", failing):
        _worker_runs_the_queue()
    return posts


def test_a_failed_announcement_is_requeued_and_everyone_is_told_once(cast, caplog, monkeypatch):
    thread, author, follower, mentioned, replier = cast
    # One post per group: the first post's notifications are committed (and e-mailed), the second's fail:
    # the task ends FAILED.
    monkeypatch.setattr(services, "ANNOUNCE_EMAIL_GROUP", 1)
    first, second = _stranded(thread, replier, failing=FailingNotify(2))
    (failed,) = _announce_tasks(TaskResultStatus.FAILED)
    assert failed.exception_class_path.endswith("OperationalError")
    # The first finished; the second claimed, not finished: nothing else would ever announce it on a quiet thread.
    assert [Post.objects.get(pk=first.pk).announce_pending, Post.objects.get(pk=second.pk).announce_pending] == [
        None, False]
    assert _announce_tasks(TaskResultStatus.READY, TaskResultStatus.RUNNING) == []
    assert list(Notification.objects.order_by("pk").values_list("recipient_id", "kind", "dedupe_key")) == [
        (mentioned.pk, "mention", f"forums.post.{first.pk}"), (author.pk, "reply", f"forums.post.{first.pk}"),
        (follower.pk, "reply", f"forums.post.{first.pk}")]

    with caplog.at_level(logging.WARNING, logger="forums.services"):
        out = _recover()
    assert f"queued the announcement of thread {thread.pk}: 1 post(s) waiting, the oldest post {second.pk}" in out
    assert "1 thread(s) with 1 post(s) waiting for their announcement and no task requeued" in out
    (warning,) = [r for r in caplog.records if r.name == "forums.services"]
    assert warning.levelno == logging.WARNING
    assert f"thread {thread.pk}: 1 post(s) waiting" in warning.getMessage()
    (requeued,) = _announce_tasks(TaskResultStatus.READY)
    assert requeued.task_result.args == [thread.pk]

    _worker_runs_the_queue()  # the requeued task: the second post only (the first one's are deduplicated)
    assert _announce_tasks(TaskResultStatus.SUCCESSFUL) == [requeued]
    notified = Counter(Notification.objects.values_list("recipient_id", "kind", "dedupe_key"))
    assert notified == {(mentioned.pk, "mention", f"forums.post.{first.pk}"): 1,
                        (author.pk, "reply", f"forums.post.{first.pk}"): 1,
                        (follower.pk, "reply", f"forums.post.{first.pk}"): 1,
                        (author.pk, "reply", f"forums.post.{second.pk}"): 1,
                        (follower.pk, "reply", f"forums.post.{second.pk}"): 1}
    # Each notification in exactly one e-mail: the first post's before the failure, the second's by the requeued
    # task.
    assert mailed(mail.outbox) == {(user.email, pk): 1 for pk, user in
                                   ((n.pk, n.recipient) for n in Notification.objects.select_related("recipient"))}
    assert Counter(to for message in mail.outbox for to in message.to) == {
        "mona@exemple.fr": 1, "alice@exemple.fr": 2, "fanny@exemple.fr": 2}
    assert not Post.objects.filter(announce_pending__isnull=False).exists()

    # The next run finds nothing: the marks are cleared.
    assert "0 thread(s) with 0 post(s)" in _recover()
    assert _announce_tasks(TaskResultStatus.READY) == []


def test_a_thread_whose_task_is_queued_is_not_queued_twice(cast, settings):
    thread, author, follower, mentioned, replier = cast
    settings.FORUMS_ANNOUNCE_DELAY_SECONDS = 2  # its task waits for its delay: READY, not yet runnable
    services.add_reply(thread=thread, author=replier, body="Une réponse.")
    (waiting,) = _announce_tasks(TaskResultStatus.READY)
    assert "0 thread(s)" in _recover()
    assert _announce_tasks(TaskResultStatus.READY) == [waiting]


def test_a_thread_whose_task_is_running_is_left_alone(cast):
    thread, author, follower, mentioned, replier = cast
    services.add_reply(thread=thread, author=replier, body="Une réponse.")
    (running,) = _announce_tasks(TaskResultStatus.READY)
    running.claim("another-worker")  # a worker is announcing the thread
    assert "0 thread(s)" in _recover()
    assert _announce_tasks(TaskResultStatus.READY) == []
    # Its worker died: requeue_stale_tasks makes it READY again first, and the recovery counts it as queued.
    out = _recover("--older-than", "0")
    assert "1 stale task(s) requeued" in out and "0 thread(s)" in out
    assert [t.pk for t in _announce_tasks(TaskResultStatus.READY)] == [running.pk]


def test_threads_without_waiting_posts_are_untouched(cast):
    thread, author, follower, mentioned, replier = cast
    services.add_reply(thread=thread, author=replier, body="Une réponse.")
    _worker_runs_the_queue()
    make_thread(space=SpaceFactory(), author=author)  # a new thread, announced
    _worker_runs_the_queue()
    assert not Post.objects.filter(announce_pending__isnull=False).exists()
    tasks = DBTaskResult.objects.count()
    assert "0 thread(s) with 0 post(s)" in _recover()
    assert DBTaskResult.objects.count() == tasks


def test_the_dry_run_lists_and_writes_nothing(cast, caplog):
    thread, author, follower, mentioned, replier = cast
    posts = _stranded(thread, replier, failing=FailingNotify(always=True))
    tasks = list(DBTaskResult.objects.values_list("pk", "status"))
    with caplog.at_level(logging.WARNING, logger="forums.services"):
        out = _recover("--dry-run")
    assert f"would queue the announcement of thread {thread.pk}: 2 post(s) waiting" in out
    assert "1 thread(s) with 2 post(s) waiting for their announcement and no task found" in out
    assert list(DBTaskResult.objects.values_list("pk", "status")) == tasks
    assert set(Post.objects.filter(pk__in=[p.pk for p in posts]).values_list("announce_pending", flat=True)) == {False}
    assert [r for r in caplog.records if r.name == "forums.services"] == []


def test_a_task_that_fails_every_time_is_queued_once_per_run_with_a_warning(cast, caplog):
    thread, author, follower, mentioned, replier = cast
    failing = FailingNotify(always=True)
    _stranded(thread, replier, failing=failing)
    for run in (1, 2):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="forums.services"):
            _recover()
            _recover()  # a second run while the first one's task waits: it counts as queued
        assert len(_announce_tasks(TaskResultStatus.READY)) == 1
        assert [r.getMessage().split(":")[0] for r in caplog.records if r.name == "forums.services"] == [
            f"thread {thread.pk}"]
        with mock.patch.object(notification_services, "notify_many", failing):
            _worker_runs_the_queue()
        assert len(_announce_tasks(TaskResultStatus.FAILED)) == 1 + run
    assert not Notification.objects.exists()


def test_a_reply_committed_while_the_recovery_queues_gives_two_tasks_and_one_announcement_each(cast):
    """On PostgreSQL a reply can commit between the recovery's read and its write (on SQLite the recovery's
    transaction holds the write lock): the thread then has two tasks, each post is still announced once."""
    thread, author, follower, mentioned, replier = cast
    first, second = _stranded(thread, replier, failing=FailingNotify(always=True))
    read = services._stranded_announcements
    late = []

    def reply_meanwhile():
        found = read()
        late.append(services.add_reply(thread=thread, author=replier, body="Une réponse de plus."))
        return found

    with mock.patch.object(services, "_stranded_announcements", reply_meanwhile):
        _recover()
    assert len(_announce_tasks(TaskResultStatus.READY)) == 2  # the reply's and the recovery's
    _worker_runs_the_queue()
    notified = Counter(Notification.objects.values_list("recipient_id", "dedupe_key"))
    assert notified == {(who.pk, f"forums.post.{post.pk}"): 1
                        for post in (first, second, *late) for who in (author, follower)} | {
        (mentioned.pk, f"forums.post.{first.pk}"): 1}
    assert mailed(mail.outbox) == {(user.email, pk): 1 for pk, user in
                                   ((n.pk, n.recipient) for n in Notification.objects.select_related("recipient"))}
    assert not Post.objects.filter(announce_pending__isnull=False).exists()


def test_the_recovery_reads_and_writes_in_a_constant_number_of_statements(cast):
    thread, author, follower, mentioned, replier = cast
    space = SpaceFactory()

    def strand(count: int) -> list[str]:
        for i in range(count):
            other = make_thread(space=space, author=author, title=f"Question {count}.{i}")  # not a resubmission
            services.add_reply(thread=other, author=replier, body="Une réponse.")
        DBTaskResult.objects.filter(task_path=ANNOUNCE, status=TaskResultStatus.READY).update(
            status=TaskResultStatus.FAILED)  # as the worker leaves a task that raised
        with CaptureQueriesContext(connection) as queries:
            services.requeue_stranded_announcements()
        assert len(_announce_tasks(TaskResultStatus.READY)) == count
        DBTaskResult.objects.filter(task_path=ANNOUNCE, status=TaskResultStatus.READY).delete()
        Post.objects.update(announce_pending=None)
        return [q["sql"].split()[0] for q in queries.captured_queries
                if q["sql"].split()[0] not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")]

    # The read and one INSERT for all the tasks (bulk_create's batches: hundreds of rows), whatever the number
    # of threads; BEGIN and COMMIT of its transaction aside.
    assert strand(1) == strand(6) == ["SELECT", "INSERT"]
