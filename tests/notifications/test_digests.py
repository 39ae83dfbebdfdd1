"""Digests: one mail per member grouping every waiting event, never the same event twice."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from comcep.notifications.emails import send_digests
from comcep.notifications.enums import EmailStatus, Frequency
from comcep.notifications.models import Notification
from comcep.notifications.services import notify, set_emails_disabled, set_preferences
from tests.factories import UserFactory

from .test_emails import SMTP_DOWN

pytestmark = pytest.mark.django_db


def _event(recipients, title, kind="test-reply"):
    return notify(kind, recipients, title=title, url=f"/echanges/vae/{abs(hash(title)) % 1000}-sujet/")


@pytest.fixture
def daily_reader():
    user = UserFactory(display_name="Awa Diallo")
    set_preferences(user, {"test-reply": Frequency.DAILY, "test-mention": Frequency.DAILY})
    return user


def test_daily_digest_groups_every_event_in_one_mail_and_never_resends(daily_reader):
    other = UserFactory()
    set_preferences(other, {"test-reply": Frequency.DAILY})
    _event([daily_reader, other], "Nouvelle réponse dans « Financer une VAE »")
    _event([daily_reader], "Nouvelle réponse dans « Bilan de compétences »")
    _event([daily_reader], "Camille vous a mentionné", kind="test-mention")
    assert mail.outbox == []

    call_command("send_digests", "--frequency", "daily")
    assert len(mail.outbox) == 2
    mine = next(m for m in mail.outbox if m.to == [daily_reader.email])
    assert mine.subject == "[Comcep] Votre résumé quotidien : 3 notifications"
    for title in ("Financer une VAE", "Bilan de compétences", "Camille vous a mentionné"):
        assert title in mine.body
        assert title in mine.alternatives[0][0]
    assert "Quelqu'un vous a mentionné" in mine.body  # grouped under the kind's label
    assert mine.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/mon-espace/notifications/desabonnement/" in mine.extra_headers["List-Unsubscribe"]
    assert not Notification.objects.filter(recipient=daily_reader, digest_sent_at__isnull=True).exists()

    call_command("send_digests", "--frequency", "daily")  # run twice: nothing new
    assert len(mail.outbox) == 2

    _event([daily_reader], "Nouvelle réponse dans « Reconversion »")
    call_command("send_digests", "--frequency", "daily")
    assert len(mail.outbox) == 3
    latest = mail.outbox[-1]
    assert latest.subject == "[Comcep] Votre résumé quotidien : 1 notification"
    assert "Reconversion" in latest.body
    assert "Financer une VAE" not in latest.body


def test_weekly_members_wait_for_the_weekly_run(daily_reader):
    weekly = UserFactory()
    set_preferences(weekly, {"test-reply": Frequency.WEEKLY})
    _event([weekly, daily_reader], "Nouvelle réponse dans « Financer une VAE »")
    _event([weekly], "Nouvelle réponse dans « Bilan de compétences »")

    send_digests(Frequency.DAILY)
    assert [m.to for m in mail.outbox] == [[daily_reader.email]]

    report = send_digests(Frequency.WEEKLY)
    assert (report.mails_sent, report.notifications_sent) == (1, 2)
    assert mail.outbox[-1].to == [weekly.email]
    assert mail.outbox[-1].subject == "[Comcep] Votre résumé hebdomadaire : 2 notifications"
    send_digests(Frequency.WEEKLY)
    assert len(mail.outbox) == 2


def test_kind_default_weekly_goes_to_the_weekly_digest():
    reader = UserFactory()
    _event([reader], "Les nouveautés de la semaine", kind="test-weekly")
    send_digests(Frequency.DAILY)
    assert mail.outbox == []
    send_digests(Frequency.WEEKLY)
    assert len(mail.outbox) == 1


def test_immediate_and_never_members_get_no_digest(django_capture_on_commit_callbacks):
    immediate, never = UserFactory.create_batch(2)
    set_preferences(never, {"test-reply": Frequency.NEVER})
    with django_capture_on_commit_callbacks(execute=True):
        _event([immediate, never], "Nouvelle réponse")
    assert [m.to for m in mail.outbox] == [[immediate.email]]
    send_digests(Frequency.DAILY)
    send_digests(Frequency.WEEKLY)
    assert len(mail.outbox) == 1


def test_preference_changed_to_never_before_the_digest_is_honoured(daily_reader):
    _event([daily_reader], "Nouvelle réponse dans « Financer une VAE »")
    set_emails_disabled(daily_reader, True)
    report = send_digests(Frequency.DAILY)
    assert mail.outbox == []
    assert report.skipped == 1
    set_emails_disabled(daily_reader, False)
    send_digests(Frequency.DAILY)
    assert mail.outbox == []  # that event was dropped on purpose, not kept for later
    assert Notification.objects.get().email_status == EmailStatus.SKIPPED


def test_notifications_already_read_in_the_site_are_not_mailed(daily_reader):
    _event([daily_reader], "Déjà lue")
    _event([daily_reader], "Pas encore lue")
    Notification.objects.filter(title="Déjà lue").update(read_at=timezone.now())
    send_digests(Frequency.DAILY)
    assert len(mail.outbox) == 1
    assert "Pas encore lue" in mail.outbox[0].body
    assert "Déjà lue" not in mail.outbox[0].body


def test_digest_failure_keeps_events_for_the_next_run(daily_reader):
    _event([daily_reader], "Nouvelle réponse dans « Financer une VAE »")
    _event([daily_reader], "Nouvelle réponse dans « Bilan de compétences »")
    with SMTP_DOWN, pytest.raises(SystemExit):
        call_command("send_digests", "--frequency", "daily")
    assert set(Notification.objects.values_list("email_status", "email_attempts", "digest_sent_at")) == {
        (EmailStatus.PENDING, 1, None)
    }
    call_command("send_digests", "--frequency", "daily")
    call_command("send_digests", "--frequency", "daily")
    assert len(mail.outbox) == 1
    assert "2 notifications" in mail.outbox[0].subject


def test_digest_command_rejects_an_unknown_frequency():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("send_digests", "--frequency", "monthly")


def test_a_run_working_from_a_stale_list_sends_nothing_already_digested(daily_reader):
    """What a concurrent run sees: it loaded the same waiting events before the other run
    committed; its claim finds them taken and it sends nothing."""
    from comcep.notifications.emails import DigestReport, _send_one_digest

    _event([daily_reader], "Nouvelle réponse dans « Financer une VAE »")
    _event([daily_reader], "Nouvelle réponse dans « Bilan de compétences »")
    stale = list(Notification.objects.select_related("recipient", "actor").order_by("pk"))
    send_digests(Frequency.DAILY)  # the other run gets there first
    report = DigestReport(Frequency.DAILY)
    _send_one_digest(stale, Frequency.DAILY, report)
    assert (report.mails_sent, len(mail.outbox)) == (0, 1)


def test_a_member_whose_membership_was_withdrawn_gets_no_digest_of_members_content(daily_reader):
    """The excerpts of a digest are members-only content: once a moderator withdraws the membership
    (the account stays active, as a refused one), the waiting notifications are not mailed."""
    from comcep.accounts import services as accounts

    _event([daily_reader], "Nouvelle réponse dans « Financer une VAE »")
    accounts.reject(daily_reader, None, "Adresse professionnelle non vérifiable.")
    mail.outbox.clear()  # the refusal e-mail itself

    report = send_digests(Frequency.DAILY)
    assert mail.outbox == []
    assert report.skipped == 1
    assert Notification.objects.get().email_status == EmailStatus.SKIPPED


def test_a_member_whose_membership_was_withdrawn_gets_no_waiting_immediate_email():
    from comcep.accounts import services as accounts
    from comcep.notifications.emails import retry_pending_immediate_emails

    reader = UserFactory()
    _event([reader], "Nouvelle réponse dans « Financer une VAE »")  # queued after commit: not sent yet
    accounts.reject(reader, None, "Adresse professionnelle non vérifiable.")
    mail.outbox.clear()

    retry_pending_immediate_emails()
    assert mail.outbox == []
    assert Notification.objects.get().email_status == EmailStatus.SKIPPED
