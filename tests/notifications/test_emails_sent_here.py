"""A task that notifies sends the immediate e-mails itself (``immediate_emails_sent_here``), with the
database queue as in production; beyond the limit, or when the task fails, the e-mails are queued as
before (nothing lost, nothing sent twice). The forums' use: tests/forums/test_reply_emails.py."""

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from comcep.notifications.models import Notification
from comcep.notifications.services import immediate_emails_sent_here, notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _queued(name: str) -> list[DBTaskResult]:
    return [task for task in DBTaskResult.objects.ready() if task.task_path.endswith(f".{name}")]


def _run(task: DBTaskResult, commit_callbacks) -> None:
    """What db_worker does with a claimed task (the test's transaction stands for its commits)."""
    task.claim("test")
    result = task.task_result
    with commit_callbacks(execute=True):
        task.task.call(*result.args, **result.kwargs)
    task.set_successful(None)


def _notify_all(recipients, actor):
    return notify("test-reply", recipients, title="Nouvelle réponse dans « Le CPF de transition »",
                  url="/echanges/cpf/7-le-cpf-de-transition/", actor=actor, excerpt="Il faut un positionnement.")


def test_beyond_the_limit_the_rest_is_queued_as_before(settings, django_capture_on_commit_callbacks):
    settings.TASKS = DATABASE_QUEUE
    recipients, actor = [UserFactory() for _ in range(5)], UserFactory()
    with immediate_emails_sent_here(limit=2), django_capture_on_commit_callbacks(execute=True):
        assert _notify_all(recipients[:3], actor) == 3
        assert _notify_all(recipients[3:], actor) == 2
    ids = list(Notification.objects.order_by("pk").values_list("pk", flat=True))
    assert len(mail.outbox) == 2
    assert [n.email_status for n in Notification.objects.order_by("pk")] == ["sent", "sent", "pending", "pending",
                                                                            "pending"]
    (queued,) = _queued("send_immediate_emails")
    assert queued.task_result.args == [ids[2:]]

    _run(queued, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 5 and len({m.to[0] for m in mail.outbox}) == 5
    assert set(Notification.objects.values_list("email_status", flat=True)) == {"sent"}


def test_a_task_that_fails_after_notifying_queues_the_emails(settings, django_capture_on_commit_callbacks):
    settings.TASKS = DATABASE_QUEUE
    reader, actor = UserFactory(), UserFactory()
    with pytest.raises(RuntimeError), immediate_emails_sent_here():
        with django_capture_on_commit_callbacks(execute=True):
            _notify_all([reader], actor)
        raise RuntimeError("the task failed after notifying")
    assert mail.outbox == []
    (queued,) = _queued("send_immediate_emails")
    _run(queued, django_capture_on_commit_callbacks)
    assert [m.to[0] for m in mail.outbox] == [reader.email]


def test_outside_a_block_notify_queues_the_email_task(settings, django_capture_on_commit_callbacks):
    settings.TASKS = DATABASE_QUEUE
    reader, actor = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _notify_all([reader], actor)
    assert mail.outbox == []
    assert len(_queued("send_immediate_emails")) == 1
