"""notify_many: several events at once create exactly what one notify per event creates, in one
transaction and a constant number of queries (the forums' announce task writes a burst of replies so)."""

from collections import Counter

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comcep.notifications.enums import EmailStatus, Frequency
from comcep.notifications.models import Notification
from comcep.notifications.services import (
    Event,
    effective_frequencies,
    effective_frequencies_by_kind,
    immediate_emails_sent_here,
    notify,
    notify_many,
    set_emails_disabled,
    set_preferences,
)
from tests.factories import UserFactory
from tests.notifications.outbox import mailed

pytestmark = pytest.mark.django_db

FIELDS = ("recipient_id", "kind", "actor_id", "title", "url", "excerpt", "target_type_id", "target_id", "dedupe_key",
          "delivery", "email_status")


def _cast():
    """Members in every state notify cares about: plain, digest for one kind, every e-mail off, no address,
    inactive, deleted; an actor; an earlier notification holding a dedupe key."""
    actor, plain, digest, silent, no_address, inactive, deleted, earlier = UserFactory.create_batch(8)
    set_preferences(digest, {"test-mention": Frequency.DAILY})
    set_emails_disabled(silent, True)
    type(no_address).objects.filter(pk=no_address.pk).update(email="")
    type(inactive).objects.filter(pk=inactive.pk).update(is_active=False)
    type(deleted).objects.filter(pk=deleted.pk).update(deleted_at="2026-01-01T00:00:00Z")
    everyone = [plain, digest, silent, no_address, inactive, deleted, earlier, actor]
    return actor, everyone, earlier


def _events(actor, everyone, earlier, prefix):
    """A burst as the forums write one: per post a mention and a reply sharing the post's key, the actor
    among the recipients, a recipient listed twice, a key already held by ``earlier``, one event with the
    addresses given by the caller, one with nobody left."""
    plain, digest, silent, no_address = everyone[:4]
    given = dict(type(plain).objects.filter(pk__in=[plain.pk, silent.pk, no_address.pk])
             .values_list("pk", "email"))
    return [
        Event("test-mention", [digest, plain.pk], title="Mention 1", url=f"/{prefix}/1/", actor=actor,
              excerpt="Bonjour", target=actor, dedupe_key=f"{prefix}.1"),
        Event("test-reply", everyone, title="Réponse 1", url=f"/{prefix}/1/", actor=actor, excerpt="Bonjour",
              target=actor, dedupe_key=f"{prefix}.1"),
        Event("test-reply", [plain, plain, earlier], title="Réponse 2", url=f"/{prefix}/2/", actor=actor,
              dedupe_key=f"{prefix}.2"),
        Event("test-weekly", list(given), recipient_emails=given, title="Semaine", url=f"/{prefix}/3/"),
        Event("test-reply", [actor], title="Personne", url=f"/{prefix}/4/", actor=actor),
        Event("test-reply", everyone[:3], title="Sans clé", url=f"/{prefix}/5/", actor=actor),
    ]


def _rows(prefix):
    return [tuple(row[1:]) for row in Notification.objects.filter(url__startswith=f"/{prefix}/").order_by("pk")
            .values_list("pk", *FIELDS)]


def test_a_batch_creates_what_one_notify_per_event_creates_in_the_same_order(django_capture_on_commit_callbacks):
    actor, everyone, earlier = _cast()
    for prefix in ("one", "many"):
        notify("test-reply", [earlier], title="Déjà", url="/avant/", dedupe_key=f"{prefix}.2")
    with django_capture_on_commit_callbacks(execute=True):
        one_by_one = sum(
            notify(e.kind, e.recipients, title=e.title, url=e.url, actor=e.actor, excerpt=e.excerpt, target=e.target,
                   dedupe_key=e.dedupe_key, recipient_emails=e.recipient_emails)
            for e in _events(actor, everyone, earlier, "one"))
    mails_one = [(m.to, m.subject) for m in mail.outbox]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        at_once = notify_many(_events(actor, everyone, earlier, "many"))

    assert at_once == one_by_one
    plain, digest, silent, no_address = everyone[:4]
    expected = [
        # Mention 1: the digest member's mention waits for the digest, the plain member's is e-mailed.
        (digest.pk, "test-mention", Frequency.DAILY, EmailStatus.PENDING),
        (plain.pk, "test-mention", Frequency.IMMEDIATE, EmailStatus.SENT),
        # Réponse 1 shares the key: plain and digest have it already; no actor, inactive or deleted member.
        (silent.pk, "test-reply", Frequency.NEVER, EmailStatus.SKIPPED),
        (no_address.pk, "test-reply", Frequency.IMMEDIATE, EmailStatus.SKIPPED),
        (earlier.pk, "test-reply", Frequency.IMMEDIATE, EmailStatus.SENT),
        # Réponse 2: plain once; earlier held its key before.
        (plain.pk, "test-reply", Frequency.IMMEDIATE, EmailStatus.SENT),
        # Semaine: the addresses given.
        (plain.pk, "test-weekly", Frequency.WEEKLY, EmailStatus.PENDING),
        (silent.pk, "test-weekly", Frequency.NEVER, EmailStatus.SKIPPED),
        (no_address.pk, "test-weekly", Frequency.WEEKLY, EmailStatus.SKIPPED),
        # Sans clé: a new event for everyone able to receive it.
        (plain.pk, "test-reply", Frequency.IMMEDIATE, EmailStatus.SENT),
        (digest.pk, "test-reply", Frequency.IMMEDIATE, EmailStatus.SENT),
        (silent.pk, "test-reply", Frequency.NEVER, EmailStatus.SKIPPED),
    ]
    many = _rows("many")
    assert [(r[0], r[1], r[9], r[10]) for r in many] == expected
    # Everything else equal too (url and key carry each arm's prefix).
    assert [tuple(v.replace("one", "many") if isinstance(v, str) else v for v in row) for row in _rows("one")] == many
    # The same notifications e-mailed, each once; one notify per event sends one e-mail per event, the batch
    # one per recipient (a recipient's notifications of one delivery batch share an e-mail).
    assert [to for to, _subject in mails_one] == [[plain.email], [earlier.email], [plain.email], [plain.email],
                                                  [digest.email]]
    many_ids = list(Notification.objects.filter(url__startswith="/many/", email_status=EmailStatus.SENT)
                    .order_by("pk").values_list("recipient__email", "pk"))
    assert mailed(mail.outbox) == Counter(many_ids)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([plain.email, earlier.email, digest.email])


def test_a_batch_costs_the_queries_of_one_notify_whatever_its_size(django_capture_on_commit_callbacks):
    actor = UserFactory()
    notify("test-reply", [UserFactory()], title="x", url="/x/", target=actor)  # warm the ContentType cache

    def queries(events: int) -> int:
        members = UserFactory.create_batch(2)  # 40 rows: one INSERT (SQLite binds at most 999 parameters)
        batch = [Event("test-mention" if n % 2 else "test-reply", members, title=f"Événement {n}", url=f"/e/{n}/",
                       actor=actor, target=actor, dedupe_key=f"event.{events}.{n}") for n in range(events)]
        with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=False):
            assert notify_many(batch) == 2 * events
        return len(ctx.captured_queries)

    members = UserFactory.create_batch(2)
    with CaptureQueriesContext(connection) as single, django_capture_on_commit_callbacks(execute=False):
        notify("test-reply", members, title="Un", url="/u/", actor=actor, target=actor, dedupe_key="single")
    assert queries(1) == queries(20) == len(single.captured_queries)


def test_a_batch_is_one_transaction():
    """A batch that cannot be written leaves nothing behind (the forums' task then retries the whole group)."""
    awa = UserFactory()
    batch = [Event("test-reply", [awa], title="Bon", url="/bon/"),
             Event("test-reply", [awa], title="Trop long", url="/" + "x" * 5000)]
    with pytest.raises(ValueError, match="url"):
        notify_many(batch)
    assert not Notification.objects.exists()


def test_immediate_emails_of_a_batch_are_sent_by_the_block_that_wrote_it(django_capture_on_commit_callbacks):
    actor, awa, bruno = UserFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True), immediate_emails_sent_here():
        notify_many([Event("test-reply", [awa, bruno], title=f"Réponse {n}", url=f"/r/{n}/", actor=actor)
                     for n in range(3)])
    assert Notification.objects.filter(email_status=EmailStatus.SENT).count() == 6
    # One e-mail per recipient, listing their three notifications.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([awa.email, bruno.email])
    assert mailed(mail.outbox) == Counter(Notification.objects.values_list("recipient__email", "pk"))


def test_frequencies_of_several_kinds_in_one_query_are_each_kinds_own():
    plain, digest, silent, weekly_off = UserFactory.create_batch(4)
    set_preferences(digest, {"test-reply": Frequency.DAILY})
    set_emails_disabled(silent, True)
    set_preferences(weekly_off, {"test-weekly": Frequency.NEVER, "test-mention": Frequency.WEEKLY})
    members = [m.pk for m in (plain, digest, silent, weekly_off)]
    kinds = ["test-reply", "test-mention", "test-weekly"]
    with CaptureQueriesContext(connection) as ctx:
        together = effective_frequencies_by_kind(dict.fromkeys(kinds, members))
    assert len(ctx.captured_queries) == 1
    assert together == {kind: effective_frequencies(members, kind) for kind in kinds}
    assert together["test-reply"][digest.pk] == Frequency.DAILY
    assert together["test-weekly"][plain.pk] == Frequency.WEEKLY
    assert together["test-mention"][weekly_off.pk] == Frequency.WEEKLY
    assert {together[kind][silent.pk] for kind in kinds} == {Frequency.NEVER}
