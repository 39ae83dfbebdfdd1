"""A thread's announce task that FAILED (django-tasks-db never runs it again) on a quiet thread: what the
``requeue-tasks`` timer runs (``deploy/run-job requeue-tasks``, a separate process on the test database)
queues it again, and a worker (``manage.py db_worker``) announces the posts: every follower is notified
and e-mailed once."""

import subprocess

import pytest
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from comcep.notifications.models import Notification
from forums import services
from forums.models import Post
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread

from .conftest import ROOT, process_env, run_worker, stop
from .test_worker_killed_during_task import sent_messages

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_requeue_tasks_job_requeues_a_failed_announcement(tmp_path, settings):
    settings.FORUMS_NEW_MEMBER_DAYS = 0
    author = UserFactory(email="auteur@exemple.fr")
    follower = UserFactory(email="suiveuse@exemple.fr")
    replier = UserFactory(email="replique@exemple.fr")
    thread = make_thread(space=SpaceFactory(), author=author, title="Tâche échouée")
    services.follow(follower, thread=thread)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # as in production
    settings.FORUMS_ANNOUNCE_DELAY_SECONDS = 0
    post = services.add_reply(thread=thread, author=replier, body="Une réponse que personne n'apprendra.")

    # The worker took the task, claimed the post, and the task raised: django-tasks-db marks it FAILED.
    task = DBTaskResult.objects.get(task_path="forums.tasks.announce_thread")
    task.claim("worker-1")
    assert services._claim_announcements(thread.pk, [post.pk]) == {post.pk}
    task.set_failed(RuntimeError("database is locked"))
    announce = DBTaskResult.objects.ready().filter(task_path="forums.tasks.announce_thread")
    assert not announce.exists()  # (the thread's search reindex is queued, and does not announce)

    job = subprocess.run([str(ROOT / "deploy" / "run-job"), "requeue-tasks"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env=process_env(tmp_path))
    assert job.returncode == 0, job.stdout + job.stderr
    assert f"queued the announcement of thread {thread.pk}: 1 post(s) waiting" in job.stdout, job.stdout
    assert f"thread {thread.pk}: 1 post(s) waiting" in job.stderr  # the warning, in the job's log
    (requeued,) = announce.all()
    assert requeued.task_result.args == [thread.pk]

    worker = run_worker(tmp_path, "--batch")
    try:
        assert worker.wait(timeout=120) == 0, (tmp_path / "worker.log").read_text()[-3000:]
    finally:
        stop(worker)
    requeued.refresh_from_db()
    assert requeued.status == TaskResultStatus.SUCCESSFUL, requeued.traceback
    assert sorted(Notification.objects.filter(dedupe_key=f"forums.post.{post.pk}").values_list(
        "recipient_id", flat=True)) == sorted([author.pk, follower.pk])
    assert sorted(m["To"] for m in sent_messages(tmp_path / "mail")) == ["auteur@exemple.fr", "suiveuse@exemple.fr"]
    assert Post.objects.get(pk=post.pk).announce_pending is None
