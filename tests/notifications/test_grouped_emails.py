"""One immediate e-mail per recipient and delivery batch: a member with several notifications claimed
together (one ``immediate_emails_sent_here`` block, or one batch of the queued task or of the retry job)
gets one message listing them in order; with one notification, the message they always got. Each
notification keeps its own bookkeeping: marked sent with its message, or failed with it and retried."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils.html import escape

from comcep.notifications.emails import CLAIM_BATCH, build_notification_message, deliver_immediate_emails
from comcep.notifications.enums import ALL_KINDS, EmailStatus, Frequency
from comcep.notifications.models import Notification
from comcep.notifications.services import immediate_emails_sent_here, notify, set_preferences
from comcep.notifications.tokens import read_unsubscribe_token
from tests.factories import UserFactory

from .outbox import linked, mailed, tokens_read
from .test_emails import SMTP_DOWN

pytestmark = pytest.mark.django_db

REPLY_LABEL = "Nouvelle réponse dans un sujet suivi"
MENTION_LABEL = "Quelqu'un vous a mentionné"


def _event(recipients, title, *, kind="test-reply", actor=None, excerpt=""):
    notify(kind, recipients, title=title, url=f"/echanges/vae/{abs(hash(title)) % 1000}-sujet/", actor=actor,
           excerpt=excerpt)


def _in_one_block(commit_callbacks, events):
    """The events notified inside one block, as the forums' announce task does for a group of posts."""
    with immediate_emails_sent_here(), commit_callbacks(execute=True):
        for recipients, title, kwargs in events:
            _event(recipients, title, **kwargs)


def _html(message) -> str:
    (html,) = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return html


def _open_link(notification) -> str:
    return f"{settings.SITE_URL}/mon-espace/notifications/{notification.pk}/"


def _unsubscribe(message) -> tuple[int, str]:
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    return read_unsubscribe_token(url.rstrip("/").rsplit("/", 1)[1])


def test_three_notifications_of_one_block_make_one_email_listing_them(django_capture_on_commit_callbacks):
    reader, actor = UserFactory(display_name="Awa Diallo"), UserFactory(display_name="Bruno Martin")
    titles = ["Nouvelle réponse dans « L'AFPA & le CPF »", "Nouvelle réponse dans « Bilan »",
              "Nouvelle réponse dans « VAE »"]
    _in_one_block(django_capture_on_commit_callbacks,
                  [([reader], title, {"actor": actor, "excerpt": f"Extrait {i}."}) for i, title in enumerate(titles)])

    (message,) = mail.outbox
    notifications = list(Notification.objects.order_by("pk"))
    assert message.to == [reader.email]
    assert message.subject == "[Comcep] 3 nouvelles notifications"
    html = _html(message)
    assert "Bonjour Awa Diallo" in message.body and "Vous avez 3 nouvelles notifications" in message.body
    # Each one in order, with its title, actor, excerpt and link; the kind's label once, over the list.
    assert linked(message) == [n.pk for n in notifications]
    for i, (n, title) in enumerate(zip(notifications, titles, strict=True)):
        assert f"- {title} (Bruno Martin)\n  Extrait {i}.\n  {_open_link(n)}" in message.body
        assert f'<a href="{_open_link(n)}">{escape(title)}</a> — Bruno Martin' in html
    assert message.body.count(REPLY_LABEL) == 2  # over the list, and in "why you receive this"
    assert [html.index(_open_link(n)) for n in notifications] == sorted(html.index(_open_link(n))
                                                                        for n in notifications)
    # Unsubscribing: from this kind (all three share it) and from everything, in both parts and the header.
    assert _unsubscribe(message) == (reader.pk, "test-reply")
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert f"Ne plus recevoir ce type d’e-mail : {unsubscribe}" in message.body
    assert f'href="{unsubscribe}"' in html
    assert "Ne plus recevoir aucun e-mail" in message.body and "Ne plus recevoir aucun e-mail" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    # Marked sent together, each as if mailed alone.
    assert [(n.email_status, n.email_attempts, n.email_error) for n in notifications] == [
        (EmailStatus.SENT, 1, "")] * 3
    assert all(n.emailed_at is not None for n in notifications)


def _read_tokens(message) -> tuple[str, str, str, dict]:
    """The message's subject, text, HTML and headers, each unsubscribe token replaced by what it carries."""
    return (message.subject, tokens_read(message.body), tokens_read(_html(message)),
            {name: tokens_read(value) for name, value in message.extra_headers.items()})


def test_one_notification_gets_the_message_it_always_got(django_capture_on_commit_callbacks):
    """Compared with the message built alone from the database, later: on a loaded machine, in another second.
    The unsubscribe tokens hold the second they were signed (``signing.dumps``), so they are compared by
    what they carry (the member and the kind); everything else byte for byte."""
    with time_machine.travel(dt.datetime(2026, 11, 30, 12, 0, 59, 999_000, tzinfo=dt.UTC), tick=False) as clock:
        reader, other = UserFactory(), UserFactory()
        _in_one_block(django_capture_on_commit_callbacks,
                      [([reader, other], "Nouvelle réponse dans « VAE »", {}), ([other], "Autre réponse", {})])
        mine = next(message for message in mail.outbox if message.to == [reader.email])
        clock.shift(dt.timedelta(milliseconds=2))  # the rebuild falls in the next second (and minute)
        notification = Notification.objects.select_related("recipient", "actor").get(recipient=reader)
        alone = build_notification_message(notification)
    assert _read_tokens(mine) == _read_tokens(alone)
    assert mine.subject == "[Comcep] Nouvelle réponse dans « VAE »"
    _subject, text, html, headers = _read_tokens(mine)
    unsubscribe = f"{settings.SITE_URL}/mon-espace/notifications/desabonnement/unsubscribe-{reader.pk}-"
    assert headers["List-Unsubscribe"] == f"<{unsubscribe}test-reply/>"
    assert f"{unsubscribe}test-reply/" in text and f"{unsubscribe}*/" in text and f"{unsubscribe}*/" in html


def test_two_recipients_each_get_their_own(django_capture_on_commit_callbacks):
    awa, bruno = UserFactory(), UserFactory()
    _in_one_block(django_capture_on_commit_callbacks,
                  [([awa, bruno], "Première réponse", {}), ([bruno], "Deuxième réponse", {}),
                   ([awa, bruno], "Troisième réponse", {})])
    # In the batch's order of first appearance, each listing only their own notifications, in order.
    assert [message.to for message in mail.outbox] == [[awa.email], [bruno.email]]
    for user, message in zip((awa, bruno), mail.outbox, strict=True):
        assert linked(message) == list(Notification.objects.filter(recipient=user).order_by("pk")
                                       .values_list("pk", flat=True))
    assert [message.subject for message in mail.outbox] == ["[Comcep] 2 nouvelles notifications",
                                                            "[Comcep] 3 nouvelles notifications"]
    assert "Deuxième réponse" not in mail.outbox[0].body


def test_a_recipient_now_on_a_digest_is_deferred_while_the_others_are_grouped(django_capture_on_commit_callbacks):
    awa, bruno = UserFactory(), UserFactory()
    with immediate_emails_sent_here(), django_capture_on_commit_callbacks(execute=True):
        _event([awa, bruno], "Première réponse")
        _event([awa, bruno], "Deuxième réponse")
        set_preferences(awa, {"test-reply": Frequency.DAILY})  # before the block sends
    (message,) = mail.outbox
    assert message.to == [bruno.email] and message.subject == "[Comcep] 2 nouvelles notifications"
    assert set(Notification.objects.filter(recipient=awa).values_list("email_status", "delivery")) == {
        (EmailStatus.PENDING, Frequency.DAILY)}
    assert set(Notification.objects.filter(recipient=bruno).values_list("email_status", flat=True)) == {
        EmailStatus.SENT}

    call_command("send_digests", "--frequency", "daily")  # the digest carries Awa's two
    assert mail.outbox[-1].to == [awa.email]
    assert mail.outbox[-1].subject == "[Comcep] Votre résumé quotidien : 2 notifications"


def test_a_member_who_opted_out_of_one_kind_gets_the_others_grouped(django_capture_on_commit_callbacks):
    reader = UserFactory()
    set_preferences(reader, {"test-mention": Frequency.NEVER})
    _in_one_block(django_capture_on_commit_callbacks,
                  [([reader], "Réponse A", {}), ([reader], "Camille vous a mentionné", {"kind": "test-mention"}),
                   ([reader], "Réponse B", {})])
    (message,) = mail.outbox
    assert message.subject == "[Comcep] 2 nouvelles notifications"
    assert "Camille" not in message.body
    assert _unsubscribe(message) == (reader.pk, "test-reply")
    assert dict(Notification.objects.values_list("kind", "email_status").order_by("kind")) == {
        "test-mention": EmailStatus.SKIPPED, "test-reply": EmailStatus.SENT}


def test_several_kinds_are_labelled_one_by_one_with_an_unsubscribe_from_everything(
        django_capture_on_commit_callbacks):
    reader = UserFactory()
    _in_one_block(django_capture_on_commit_callbacks,
                  [([reader], "Réponse A", {}), ([reader], "Camille vous a mentionné", {"kind": "test-mention"})])
    (message,) = mail.outbox
    html = _html(message)
    assert f"- {REPLY_LABEL} : Réponse A" in message.body
    assert f"- {MENTION_LABEL} : Camille vous a mentionné" in message.body
    assert f"{escape(MENTION_LABEL)} : <a href=" in html
    assert _unsubscribe(message) == (reader.pk, ALL_KINDS)
    assert "Ne plus recevoir ce type d’e-mail" not in message.body
    assert "immédiatement pour ces notifications" in message.body and "immédiatement pour ces notifications" in html
    assert f"Ne plus recevoir aucun e-mail : {message.extra_headers['List-Unsubscribe'].strip('<>')}" in message.body


@override_settings(NOTIFICATIONS_EMAIL_MAX_ATTEMPTS=2)
def test_a_failed_grouped_email_fails_for_each_notification_and_is_retried(django_capture_on_commit_callbacks):
    reader = UserFactory()
    with SMTP_DOWN:
        _in_one_block(django_capture_on_commit_callbacks, [([reader], "Réponse A", {}), ([reader], "Réponse B", {})])
        assert mail.outbox == []
        assert set(Notification.objects.values_list("email_status", "email_attempts")) == {(EmailStatus.PENDING, 1)}
        assert all("ConnectionRefusedError" in e for e in Notification.objects.values_list("email_error", flat=True))
        # A third one arrives; the retry job, server still down, sends the three in one message, which fails:
        # each counts its own attempts (the first two reach the maximum, the new one does not).
        _event([reader], "Réponse C")  # not committed yet: pending, never tried
        with pytest.raises(SystemExit):
            call_command("send_notification_emails")
    assert dict(Notification.objects.values_list("title", "email_status")) == {
        "Réponse A": EmailStatus.FAILED, "Réponse B": EmailStatus.FAILED, "Réponse C": EmailStatus.PENDING}
    assert dict(Notification.objects.values_list("title", "email_attempts")) == {
        "Réponse A": 2, "Réponse B": 2, "Réponse C": 1}

    call_command("send_notification_emails")  # the server is back: the pending one alone
    assert [linked(message) for message in mail.outbox] == [[Notification.objects.get(title="Réponse C").pk]]
    call_command("send_notification_emails", "--include-failed")  # the failed ones, together
    assert mail.outbox[-1].subject == "[Comcep] 2 nouvelles notifications"
    assert mailed(mail.outbox) == {(reader.email, pk): 1 for pk in Notification.objects.values_list("pk", flat=True)}
    assert set(Notification.objects.values_list("email_status", "email_error")) == {(EmailStatus.SENT, "")}


def test_the_retry_job_groups_by_batch_only(django_capture_on_commit_callbacks):
    """The queued task and the retry job claim by batches of CLAIM_BATCH: a recipient gets one e-mail per
    batch (nothing waits for a later batch)."""
    reader = UserFactory()
    with SMTP_DOWN, django_capture_on_commit_callbacks(execute=True):
        for i in range(CLAIM_BATCH + 3):
            _event([reader], f"Réponse {i}")
    assert Notification.objects.filter(email_status=EmailStatus.PENDING).count() == CLAIM_BATCH + 3
    call_command("send_notification_emails")
    assert [len(linked(message)) for message in mail.outbox] == [CLAIM_BATCH, 3]
    assert mailed(mail.outbox) == {(reader.email, pk): 1 for pk in Notification.objects.values_list("pk", flat=True)}
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}


def test_the_queued_task_groups_the_notifications_it_carries():
    reader, other = UserFactory(), UserFactory()
    _event([reader, other], "Réponse A")
    _event([reader], "Réponse B")
    Notification.objects.update(email_status=EmailStatus.PENDING, email_attempts=0, emailed_at=None)
    mail.outbox.clear()
    ids = list(Notification.objects.order_by("pk").values_list("pk", flat=True))
    assert deliver_immediate_emails(ids) == {"sent": 3}
    assert sorted(len(linked(message)) for message in mail.outbox) == [1, 2]


def test_a_block_is_one_batch_beyond_the_claim_batch(django_capture_on_commit_callbacks):
    """The notifications a block wrote claimed are one batch (up to its limit), not CLAIM_BATCH: two
    followers of fifteen posts get one e-mail each, not one per twenty notifications."""
    awa, bruno = UserFactory(), UserFactory()
    _in_one_block(django_capture_on_commit_callbacks, [([awa, bruno], f"Réponse {i}", {}) for i in range(15)])
    assert sorted((message.to[0], len(linked(message))) for message in mail.outbox) == sorted(
        [(awa.email, 15), (bruno.email, 15)])
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}
