import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comcep.notifications.enums import EmailStatus, Frequency
from comcep.notifications.models import Notification
from comcep.notifications.services import notify, set_emails_disabled, set_preferences
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _notify(recipients, **kwargs):
    kwargs.setdefault("title", "Nouvelle réponse dans « Préparer un entretien VAE »")
    kwargs.setdefault("url", "/echanges/vae/12-preparer-un-entretien-vae/")
    return notify(kwargs.pop("kind", "test-reply"), recipients, **kwargs)


def _queries_for(count, actor):
    users = UserFactory.create_batch(count)
    with CaptureQueriesContext(connection) as ctx:
        created = _notify(users, actor=actor, excerpt="Bonjour", target=actor, dedupe_key=f"post:{count}")
    return created, len(ctx.captured_queries)


def test_notify_creates_one_row_per_recipient_in_constant_queries(django_capture_on_commit_callbacks):
    actor = UserFactory()
    _notify([UserFactory()], target=actor)  # warm the ContentType cache
    with django_capture_on_commit_callbacks(execute=False):
        created_small, queries_small = _queries_for(3, actor)
        created_large, queries_large = _queries_for(50, actor)
    assert (created_small, created_large) == (3, 50)
    assert queries_small == queries_large
    assert queries_small <= 6
    assert Notification.objects.filter(actor=actor).count() == 53


def test_notify_accepts_ids_and_skips_the_actor_and_duplicates_in_the_list():
    actor, awa, bruno = UserFactory.create_batch(3)
    created = _notify([awa.pk, bruno, actor, awa], actor=actor)
    assert created == 2
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {awa.pk, bruno.pk}


def test_actor_is_never_notified_even_when_alone():
    actor = UserFactory()
    assert _notify([actor], actor=actor) == 0
    assert not Notification.objects.exists()


def test_same_dedupe_key_never_notifies_a_recipient_twice():
    awa, bruno = UserFactory.create_batch(2)
    assert _notify([awa], dedupe_key="post:42") == 1
    assert _notify([awa, bruno], dedupe_key="post:42") == 1
    assert _notify([awa, bruno], dedupe_key="post:42") == 0
    assert Notification.objects.filter(recipient=awa).count() == 1
    assert Notification.objects.filter(recipient=bruno).count() == 1
    # Without a key, or with another key, it is a new event.
    assert _notify([awa], dedupe_key="post:43") == 1


def test_inactive_and_deleted_accounts_are_left_out():
    from django.utils import timezone

    active = UserFactory()
    inactive = UserFactory(is_active=False)
    deleted = UserFactory(deleted_at=timezone.now())
    assert _notify([active, inactive, deleted]) == 1


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(LookupError):
        notify("kind-nobody-registered", [UserFactory()], title="x", url="/")


def test_notification_keeps_what_the_caller_gave():
    actor, reader = UserFactory.create_batch(2)
    _notify([reader], actor=actor, excerpt="Voici comment je prépare l'entretien.", target=actor)
    n = Notification.objects.get()
    assert n.recipient == reader
    assert n.kind == "test-reply"
    assert n.title == "Nouvelle réponse dans « Préparer un entretien VAE »"
    assert n.url == "/echanges/vae/12-preparer-un-entretien-vae/"
    assert n.excerpt == "Voici comment je prépare l'entretien."
    assert n.target == actor
    assert n.read_at is None


def test_immediate_preference_sends_one_email_after_commit(django_capture_on_commit_callbacks):
    actor, reader = UserFactory.create_batch(2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _notify([reader], actor=actor, excerpt="Voici ma réponse")
        assert mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [reader.email]
    assert "Préparer un entretien VAE" in message.subject
    assert "Voici ma réponse" in message.body
    n = Notification.objects.get()
    assert n.email_status == EmailStatus.SENT
    assert n.emailed_at is not None
    assert n.email_attempts == 1


@pytest.mark.parametrize("frequency", [Frequency.DAILY, Frequency.WEEKLY, Frequency.NEVER])
def test_non_immediate_preferences_send_no_email_now(frequency, django_capture_on_commit_callbacks):
    reader = UserFactory()
    set_preferences(reader, {"test-reply": frequency})
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify([reader]) == 1
    assert mail.outbox == []
    n = Notification.objects.get()
    assert n.delivery == frequency
    expected = EmailStatus.SKIPPED if frequency == Frequency.NEVER else EmailStatus.PENDING
    assert n.email_status == expected


def test_preference_is_per_kind_and_defaults_to_the_kind_default(django_capture_on_commit_callbacks):
    reader = UserFactory()
    set_preferences(reader, {"test-mention": Frequency.NEVER})
    with django_capture_on_commit_callbacks(execute=True):
        _notify([reader], kind="test-reply")
        _notify([reader], kind="test-mention")
        _notify([reader], kind="test-weekly")
    assert len(mail.outbox) == 1
    assert dict(Notification.objects.values_list("kind", "delivery")) == {
        "test-reply": "immediate", "test-mention": "never", "test-weekly": "weekly",
    }


def test_global_switch_stops_every_email_but_keeps_in_app(django_capture_on_commit_callbacks):
    reader = UserFactory()
    set_emails_disabled(reader, True)
    with django_capture_on_commit_callbacks(execute=True):
        _notify([reader], kind="test-reply")
        _notify([reader], kind="test-weekly")
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=reader).count() == 2
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SKIPPED}

