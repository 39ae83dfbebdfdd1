"""Runs at the same time (cron overlapping a slow run, two workers): every event is e-mailed
exactly once. Real threads, real transactions; on PostgreSQL this exercises the row locks."""

import threading

import pytest
from django.core import mail
from django.db import connections

from comcep.notifications.emails import deliver_immediate_emails, send_digests
from comcep.notifications.enums import Frequency
from comcep.notifications.models import Notification
from comcep.notifications.services import notify, set_preferences
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrated_data"),
]


def _in_parallel(fn, workers=4):
    barrier = threading.Barrier(workers)
    errors = []

    def run():
        try:
            barrier.wait()
            fn()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_concurrent_digest_runs_send_each_event_once():
    readers = UserFactory.create_batch(5)
    for reader in readers:
        set_preferences(reader, {"test-reply": Frequency.DAILY})
    for i in range(3):
        notify("test-reply", readers, title=f"Réponse {i}", url=f"/echanges/vae/{i}-sujet/")
    _in_parallel(lambda: send_digests(Frequency.DAILY))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in readers)
    assert all("3 notifications" in m.subject for m in mail.outbox)


def test_concurrent_immediate_deliveries_send_each_email_once():
    readers = UserFactory.create_batch(5)
    # Created outside any request: the on-commit task already sent them; reset to pending
    # as if the queue had not run yet, then let four workers race on the same ids.
    notify("test-reply", readers, title="Réponse", url="/echanges/vae/1-sujet/")
    mail.outbox.clear()
    Notification.objects.update(email_status="pending", email_attempts=0, emailed_at=None)
    ids = list(Notification.objects.values_list("pk", flat=True))
    _in_parallel(lambda: deliver_immediate_emails(ids))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in readers)


def test_concurrent_notify_with_the_same_dedupe_key_creates_each_notification_once():
    readers = UserFactory.create_batch(20)
    created = []

    def run():
        created.append(notify("test-reply", readers, title="Réponse", url="/echanges/vae/1-sujet/",
                              dedupe_key="post:99"))

    _in_parallel(run)
    assert Notification.objects.filter(dedupe_key="post:99").count() == 20
    assert sum(created) == 20
