"""A task worker (`manage.py db_worker`, django-tasks-db) killed with SIGKILL while it sends a
notification e-mail: the task is not lost (an operator-visible recovery, `requeue_stale_tasks`,
makes it runnable again), the notification it had claimed is not sent by anyone else while the
claim is fresh, and once the claim expired the mail-retry job sends it, exactly once."""

import email
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from comcep.notifications.enums import EmailStatus
from comcep.notifications.models import Notification
from comcep.notifications.services import notify
from comcep.notifications.tasks import send_immediate_emails
from tests.factories import UserFactory

from .conftest import ROOT, process_env, run_worker, stop, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sent_messages(directory: Path) -> list[email.message.Message]:
    """Every message Django's file-based backend wrote (one file per connection, messages
    separated by a line of 79 dashes)."""
    messages = []
    for path in sorted(directory.glob("*.log")) if directory.exists() else []:
        for chunk in path.read_text().split("-" * 79 + "\n"):
            if chunk.strip():
                messages.append(email.message_from_string(chunk))
    return messages


def test_worker_killed_while_sending_the_task_is_run_again_and_mails_once(tmp_path, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # as in production
    recipient, actor = UserFactory(email="destinataire@exemple.fr"), UserFactory()
    with transaction.atomic():
        assert notify("reply", [recipient], title="Nouvelle réponse dans « Panne de worker »", url="/echanges/",
                      actor=actor, excerpt="Le délai est de deux mois.") == 1
    notification = Notification.objects.get(recipient=recipient)
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.READY and task.task_path.endswith("send_immediate_emails")
    mail_dir = tmp_path / "mail"

    # 1. A worker takes the task, claims the notification and pauses inside the send.
    worker = run_worker(tmp_path, RESILIENCE_PAUSE_MAIL="1")
    try:
        flag = tmp_path / "mail-paused"
        wait_for(flag.exists, 90, "the worker to start sending")
        pid = int(wait_for(lambda: flag.read_text().strip(), 5, "the worker's pid"))
        assert pid == worker.pid
        os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        stop(worker)

    # 2. Nothing was sent, the notification is claimed ("sending", no transaction was open) and
    #    the task is stuck: RUNNING, and no worker takes a RUNNING task again (django-tasks-db has
    #    no lease).
    assert sent_messages(mail_dir) == []
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENDING and notification.email_claimed_at is not None
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING
    assert not DBTaskResult.objects.ready().exists()

    # 3. The operator's recovery (the worker unit's ExecStartPre, the requeue-tasks timer).
    out = io.StringIO()
    call_command("requeue_stale_tasks", "--older-than", "30", stdout=out)
    assert "0 stale task(s) requeued" in out.getvalue()  # started seconds ago: could still be running
    call_command("requeue_stale_tasks", "--older-than", "0", stdout=out)
    assert "1 stale task(s) requeued" in out.getvalue()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY

    # 4. A new worker runs it while the claim is fresh (for all it knows, the first sender may still
    #    be talking to the SMTP server): it sends nothing and leaves the claim.
    worker = run_worker(tmp_path, "--batch")
    try:
        assert worker.wait(timeout=120) == 0, (tmp_path / "worker.log").read_text()[-3000:]
    finally:
        stop(worker)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL, task.traceback
    assert sent_messages(mail_dir) == []
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENDING

    # 5. Once the claim has expired (NOTIFICATIONS_EMAIL_CLAIM_MINUTES, 0 here), the mail-retry job
    #    (deploy/run-job mail-retry) sends it, once, and marks it sent.
    retry = subprocess.run([sys.executable, "manage.py", "send_notification_emails"], cwd=ROOT, capture_output=True,
                           text=True, timeout=120,
                           env=process_env(tmp_path, NOTIFICATIONS_EMAIL_CLAIM_MINUTES="0"))
    assert retry.returncode == 0 and "sent: 1" in retry.stdout, retry.stdout + retry.stderr
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    messages = sent_messages(mail_dir)
    assert [m["To"] for m in messages] == ["destinataire@exemple.fr"]
    assert "Panne de worker" in messages[0]["Subject"] or "Panne de worker" in messages[0].as_string()

    # 6. At-least-once means the task may run again (e.g. requeued while it was finishing):
    #    the handler is idempotent, nothing is sent twice.
    mail.outbox.clear()
    assert send_immediate_emails.call([notification.pk]) == {"nothing": 1}
    call_command("send_notification_emails", stdout=io.StringIO())
    assert mail.outbox == []
    assert len(sent_messages(mail_dir)) == 1
