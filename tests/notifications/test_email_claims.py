"""No write transaction stays open while an e-mail is built and sent (on SQLite it would hold the
whole database's write lock for the SMTP exchange): the notification is claimed first ("sending"),
sent, then marked. A claim whose sender died expires; a sender whose claim was taken over does
not mark the other sender's notification."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comcep.notifications.emails import deliver_immediate_email, deliver_immediate_emails, send_digests
from comcep.notifications.enums import EmailStatus, Frequency
from comcep.notifications.models import Notification
from comcep.notifications.services import notify, set_preferences
from tests.factories import UserFactory

seen_while_sending: list[dict] = []
takeover_while_sending = {"claim": None}


class ObservingBackend(LocmemBackend):
    """Django's locmem backend that records, at the moment of sending, whether a transaction is
    open on the sender's connection and what the database says of the notifications."""

    def send_messages(self, messages):
        seen_while_sending.append({
            "in_transaction": connection.in_atomic_block,
            "statuses": dict(Notification.objects.values_list("pk", "email_status")),
        })
        if takeover_while_sending["claim"] is not None:  # another sender takes the claim over
            Notification.objects.update(email_claim=takeover_while_sending["claim"], email_claimed_at=timezone.now())
        return super().send_messages(messages)


@pytest.fixture
def observed(settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_email_claims.ObservingBackend"
    seen_while_sending.clear()
    takeover_while_sending["claim"] = None
    yield seen_while_sending
    takeover_while_sending["claim"] = None


def _pending(reader, **kwargs) -> Notification:
    """A notification whose immediate e-mail is still to send (as if the queue had not run)."""
    notify("test-reply", [reader], title="Nouvelle réponse dans « Le CPF de transition »",
           url="/echanges/cpf/7-le-cpf-de-transition/", **kwargs)
    mail.outbox.clear()
    seen_while_sending.clear()
    Notification.objects.update(email_status=EmailStatus.PENDING, email_attempts=0, emailed_at=None)
    return Notification.objects.get(recipient=reader)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("restore_migrated_data")
def test_an_immediate_email_is_sent_outside_any_transaction_and_claimed_meanwhile(observed):
    notification = _pending(UserFactory())

    assert deliver_immediate_email(notification.pk) == "sent"

    assert observed == [{"in_transaction": False, "statuses": {notification.pk: EmailStatus.SENDING}}]
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT and notification.email_attempts == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("restore_migrated_data")
def test_a_digest_is_sent_outside_any_transaction_and_claimed_meanwhile(observed):
    reader = UserFactory()
    set_preferences(reader, {"test-reply": Frequency.DAILY})
    for i in range(2):
        notify("test-reply", [reader], title=f"Réponse {i}", url=f"/echanges/vae/{i}-sujet/")
    ids = set(Notification.objects.values_list("pk", flat=True))

    assert send_digests(Frequency.DAILY).mails_sent == 1

    assert observed == [{"in_transaction": False, "statuses": dict.fromkeys(ids, EmailStatus.SENDING)}]
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}
    assert Notification.objects.filter(digest_sent_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_a_claim_is_left_alone_while_fresh_and_taken_again_once_expired(observed, settings):
    settings.NOTIFICATIONS_EMAIL_CLAIM_MINUTES = 20
    notification = _pending(UserFactory())
    # A sender claimed it five minutes ago and may still be talking to the SMTP server.
    five_minutes_ago = timezone.now() - timedelta(minutes=5)
    Notification.objects.update(email_status=EmailStatus.SENDING, email_claimed_at=five_minutes_ago)

    assert deliver_immediate_email(notification.pk) == "nothing"
    call_command("send_notification_emails")
    assert mail.outbox == []

    # That sender died: 21 minutes later, the mail-retry job sends it (once).
    Notification.objects.update(email_claimed_at=timezone.now() - timedelta(minutes=21))
    call_command("send_notification_emails")
    call_command("send_notification_emails")
    assert [m.to for m in mail.outbox] == [[notification.recipient.email]]
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT


@pytest.mark.django_db
def test_a_sender_whose_claim_was_taken_over_does_not_mark_the_notification(observed, caplog):
    notification = _pending(UserFactory())
    takeover_while_sending["claim"] = "f" * 32

    assert deliver_immediate_email(notification.pk) == "sent"

    notification.refresh_from_db()
    # The other sender's claim stands: it will mark the notification itself.
    assert (notification.email_status, notification.email_claim) == (EmailStatus.SENDING, "f" * 32)
    assert "claim expired" in caplog.text


@pytest.mark.django_db
def test_two_claims_in_the_same_microsecond_never_share_a_notification(monkeypatch):
    """Two senders claiming overlapping batches at the same instant (the clock of two processes): each
    notification belongs to one of them, so no e-mail can go out twice."""
    from comcep.notifications import emails

    readers = UserFactory.create_batch(3)
    notify("test-reply", readers, title="Réponse", url="/echanges/vae/1-sujet/")
    Notification.objects.update(email_status=EmailStatus.PENDING, email_attempts=0, emailed_at=None)
    first_id, second_id, third_id = sorted(Notification.objects.values_list("pk", flat=True))
    instant = timezone.now()
    monkeypatch.setattr(emails.timezone, "now", lambda: instant)

    _first, first_claimed = emails._claim(Notification.objects.filter(pk__in=[first_id, second_id]))
    _second, second_claimed = emails._claim(Notification.objects.filter(pk__in=[second_id, third_id]))

    assert sorted(first_claimed) == [first_id, second_id]
    assert second_claimed == [third_id]


@pytest.mark.django_db
def test_purge_keeps_notifications_whose_email_is_being_sent():
    notification = _pending(UserFactory())
    old = timezone.now() - timedelta(days=400)
    Notification.objects.update(created_at=old, email_status=EmailStatus.SENDING, email_claimed_at=old)

    call_command("purge_notifications")

    assert Notification.objects.filter(pk=notification.pk).exists()


@pytest.mark.django_db
def test_a_batch_is_claimed_with_one_write_and_marked_with_one(observed):
    """The task of one reply carries its followers' notifications: the sender writes twice for the
    batch (claim, mark), not twice per e-mail (each write takes SQLite's write lock)."""
    readers = UserFactory.create_batch(3)
    notify("test-reply", readers, title="Réponse", url="/echanges/vae/1-sujet/")
    Notification.objects.update(email_status=EmailStatus.PENDING, email_attempts=0, emailed_at=None)
    mail.outbox.clear()
    ids = list(Notification.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        assert deliver_immediate_emails(ids) == {"sent": 3}
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(writes) == 2, writes
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in readers)
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}
