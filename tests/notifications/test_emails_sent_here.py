"""A task that notifies sends the immediate e-mails itself (``immediate_emails_sent_here``), with the
database queue as in production; beyond the limit, or when the task fails, the e-mails are queued as
before (nothing lost, nothing sent twice). The forums' use: tests/forums/test_reply_emails.py."""

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from comcep.notifications.models import Notification
from comcep.notifications.services import immediate_emails_sent_here, notify
from tests.factories import UserFactory
from tests.notifications.outbox import tokens_read

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


# --- Written already claimed (docs/performance.md, "Session 9: posting a reply under load") -------------


def _message_parts(message):
    html = next(content for content, mimetype in message.alternatives if mimetype == "text/html")
    return (message.subject, message.to, message.body, html, message.extra_headers)


def test_inside_a_block_the_notifications_are_written_claimed_then_sent_without_a_claim_update(
        settings, django_capture_on_commit_callbacks, django_assert_num_queries):
    settings.TASKS = DATABASE_QUEUE
    reader, actor = UserFactory(), UserFactory()
    with immediate_emails_sent_here(), django_capture_on_commit_callbacks(execute=True):
        _notify_all([reader], actor)
        written = Notification.objects.get()
        # As emails._claim would write it: sending, a claim token and its date; nobody else may take it.
        assert written.email_status == "sending" and len(written.email_claim) == 32
        assert written.email_claimed_at == written.created_at
        from comcep.notifications.emails import retry_pending_immediate_emails

        assert retry_pending_immediate_emails() == {}  # the cron's run does not see it
        assert mail.outbox == []
    stored = Notification.objects.get()
    assert (stored.email_status, stored.email_attempts, stored.email_claim) == ("sent", 1, written.email_claim)
    assert [m.to[0] for m in mail.outbox] == [reader.email]
    assert DBTaskResult.objects.ready().count() == 0


def test_sending_claimed_rows_runs_no_claim_statement(settings, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.TASKS = DATABASE_QUEUE
    readers, actor = [UserFactory() for _ in range(3)], UserFactory()
    with (CaptureQueriesContext(connection) as queries, immediate_emails_sent_here(),
          django_capture_on_commit_callbacks(execute=True)):
        _notify_all(readers, actor)
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    # One UPDATE: the batch marked sent. No claim ("pending" -> "sending") and no read of claimed ids.
    assert len(updates) == 1 and "emailed_at" in updates[0] and "email_claimed_at" not in updates[0]
    assert len(mail.outbox) == 3


def test_the_same_email_as_through_the_queued_task(settings, django_capture_on_commit_callbacks):
    """What the block sends is what the ``send_immediate_emails`` task sends for the same notification."""
    settings.TASKS = DATABASE_QUEUE
    reader, actor = UserFactory(), UserFactory()
    with immediate_emails_sent_here(), django_capture_on_commit_callbacks(execute=True):
        _notify_all([reader], actor)
    (here,) = mail.outbox
    first = Notification.objects.get()
    mail.outbox.clear()
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        _notify_all([reader], actor)
    (queued,) = _queued("send_immediate_emails")
    _run(queued, django_capture_on_commit_callbacks)
    (through_task,) = mail.outbox
    second = Notification.objects.get()
    # The notification's own id is in the "open" link: compare with it swapped. The unsubscribe tokens hold the
    # second they were signed: compared by what they carry (tests/notifications/outbox.py).
    parts = [tokens_read(str(part).replace(f"/{second.pk}/", f"/{first.pk}/")) for part in _message_parts(through_task)]
    assert [tokens_read(str(part)) for part in _message_parts(here)] == parts
    assert (first.email_status, first.email_attempts) == (second.email_status, second.email_attempts) == ("sent", 1)


def test_a_row_whose_claim_was_taken_over_is_not_sent_by_the_block(settings, django_capture_on_commit_callbacks):
    settings.TASKS = DATABASE_QUEUE
    reader, actor = UserFactory(), UserFactory()
    with immediate_emails_sent_here(), django_capture_on_commit_callbacks(execute=True):
        _notify_all([reader], actor)
        Notification.objects.update(email_claim="another-sender")  # e.g. expired and claimed again
    assert mail.outbox == []
    assert Notification.objects.get().email_status == "sending"


def test_a_failing_block_releases_its_claim(settings, django_capture_on_commit_callbacks):
    settings.TASKS = DATABASE_QUEUE
    reader, actor = UserFactory(), UserFactory()
    with pytest.raises(RuntimeError), immediate_emails_sent_here():
        with django_capture_on_commit_callbacks(execute=True):
            _notify_all([reader], actor)
        raise RuntimeError("the task failed after notifying")
    released = Notification.objects.get()
    assert (released.email_status, released.email_claim, released.email_claimed_at) == ("pending", None, None)


def test_a_recipient_who_switched_to_a_digest_meanwhile_gets_it_in_the_digest(
        settings, django_capture_on_commit_callbacks):
    from comcep.notifications.services import set_preferences

    settings.TASKS = DATABASE_QUEUE
    reader, actor = UserFactory(), UserFactory()
    with immediate_emails_sent_here(), django_capture_on_commit_callbacks(execute=True):
        _notify_all([reader], actor)
        set_preferences(reader, {"test-reply": "daily"})
    assert mail.outbox == []
    stored = Notification.objects.get()
    assert (stored.email_status, stored.delivery) == ("pending", "daily")


def test_rows_claimed_by_a_block_that_ended_before_the_commit_are_released_and_queued(
        settings, django_capture_on_commit_callbacks):
    """notify inside a block, inside a transaction that commits after the block: the block cannot send
    them any more; they are put back to pending and queued, and the queued task sends them now."""
    settings.TASKS = DATABASE_QUEUE
    reader, actor = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        with immediate_emails_sent_here():
            _notify_all([reader], actor)
        assert Notification.objects.get().email_status == "sending"
    assert mail.outbox == []
    assert Notification.objects.get().email_status == "pending"
    (queued,) = _queued("send_immediate_emails")
    _run(queued, django_capture_on_commit_callbacks)
    assert [m.to[0] for m in mail.outbox] == [reader.email]
