"""Immediate e-mails: sent once after commit, never twice, and kept for a retry when the
mail server is down (a real refused connection, not a mock)."""

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from comcep.notifications.emails import deliver_immediate_email
from comcep.notifications.enums import EmailStatus, Frequency
from comcep.notifications.models import Notification
from comcep.notifications.services import notify, set_preferences
from comcep.notifications.tasks import send_immediate_emails
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Django's real SMTP backend against a closed local port: the connection is refused.
SMTP_DOWN = override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=1,
    EMAIL_TIMEOUT=3,
    EMAIL_USE_TLS=False,
    EMAIL_USE_SSL=False,
)


@pytest.fixture
def reader():
    return UserFactory(display_name="Awa Diallo")


def _notify(recipients, commit_callbacks, **kwargs):
    with commit_callbacks(execute=True):
        return notify(
            "test-reply", recipients, title="Nouvelle réponse dans « Le CPF de transition »",
            url="/echanges/cpf/7-le-cpf-de-transition/", excerpt="Il faut d'abord un positionnement.", **kwargs,
        )


def test_email_is_sent_once_even_if_the_task_runs_again(reader, django_capture_on_commit_callbacks):
    _notify([reader], django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    pk = Notification.objects.get().pk

    send_immediate_emails.enqueue([pk])  # the queue delivering the task a second time
    assert deliver_immediate_email(pk) == "nothing"
    call_command("send_notification_emails")
    assert len(mail.outbox) == 1
    assert Notification.objects.get().email_attempts == 1


def test_email_content_links_and_unsubscribe_headers(reader, django_capture_on_commit_callbacks):
    actor = UserFactory(display_name="Bruno Martin")
    _notify([reader], django_capture_on_commit_callbacks, actor=actor)
    message = mail.outbox[0]
    n = Notification.objects.get()
    assert message.subject == "[Comcep] Nouvelle réponse dans « Le CPF de transition »"
    assert "Bonjour Awa Diallo" in message.body
    assert "Bruno Martin" in message.body
    assert f"{settings.SITE_URL}/mon-espace/notifications/{n.pk}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{settings.SITE_URL}/mon-espace/notifications/{n.pk}/"' in html
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{settings.SITE_URL}/mon-espace/notifications/desabonnement/")
    assert unsubscribe.strip("<>") in message.body
    assert unsubscribe.strip("<>") in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_smtp_failure_keeps_it_pending_then_the_command_sends_it_once(reader, django_capture_on_commit_callbacks):
    with SMTP_DOWN:
        _notify([reader], django_capture_on_commit_callbacks)
        n = Notification.objects.get()
        assert (n.email_status, n.email_attempts, n.emailed_at) == (EmailStatus.PENDING, 1, None)
        assert "ConnectionRefusedError" in n.email_error
        # Cron while the server is still down: one more attempt, still pending, exit code 1.
        with pytest.raises(SystemExit):
            call_command("send_notification_emails")
        assert Notification.objects.get().email_attempts == 2
    assert mail.outbox == []

    call_command("send_notification_emails")  # the server is back
    call_command("send_notification_emails")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [reader.email]
    n = Notification.objects.get()
    assert (n.email_status, n.email_attempts, n.email_error) == (EmailStatus.SENT, 3, "")


@override_settings(NOTIFICATIONS_EMAIL_MAX_ATTEMPTS=2)
def test_exhausted_attempts_become_failed_and_can_be_retried_on_demand(reader, django_capture_on_commit_callbacks):
    with SMTP_DOWN:
        _notify([reader], django_capture_on_commit_callbacks)
        with pytest.raises(SystemExit):
            call_command("send_notification_emails")
    assert Notification.objects.get().email_status == EmailStatus.FAILED

    call_command("send_notification_emails")  # plain runs leave the failed ones alone
    assert mail.outbox == []
    call_command("send_notification_emails", "--include-failed")
    assert len(mail.outbox) == 1
    assert Notification.objects.get().email_status == EmailStatus.SENT


def test_pending_email_follows_a_preference_changed_before_the_retry(reader, django_capture_on_commit_callbacks):
    with SMTP_DOWN:
        _notify([reader], django_capture_on_commit_callbacks)
    set_preferences(reader, {"test-reply": Frequency.NEVER})
    call_command("send_notification_emails")
    assert mail.outbox == []
    assert Notification.objects.get().email_status == EmailStatus.SKIPPED


def test_a_failing_recipient_does_not_block_the_others(django_capture_on_commit_callbacks):
    awa, bruno = UserFactory.create_batch(2)
    with SMTP_DOWN:
        _notify([awa, bruno], django_capture_on_commit_callbacks)
    assert set(Notification.objects.values_list("email_status", "email_attempts")) == {(EmailStatus.PENDING, 1)}
    call_command("send_notification_emails")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([awa.email, bruno.email])



def test_the_subject_is_plain_text_not_html(reader, django_capture_on_commit_callbacks):
    """A title with an apostrophe or an ampersand (most French thread titles) reads as written in the
    subject line, which is not HTML (it was escaped: « Financement d&#x27;une VAE »)."""
    with django_capture_on_commit_callbacks(execute=True):
        notify("test-reply", [reader], title="Nouvelle réponse dans « Financement d'une VAE & <CPF> »",
               url="/echanges/vae/1-sujet/")
    (message,) = mail.outbox
    assert message.subject == "[Comcep] Nouvelle réponse dans « Financement d'une VAE & <CPF> »"
    html, _mimetype = message.alternatives[0]
    assert "Financement d&#x27;une VAE &amp; &lt;CPF&gt;" in html  # the HTML part stays escaped
