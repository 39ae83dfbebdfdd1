"""The production path: the database-backed task queue and its worker (a transactional test:
the worker closes database connections between tasks, as it does in production)."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from comcep.notifications.enums import EmailStatus
from comcep.notifications.models import Notification
from comcep.notifications.services import notify
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrated_data"),
]


DB_TASKS = override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})


def test_production_queue_one_task_for_many_recipients_sent_by_the_worker():
    """With the database-backed queue (production), notify() enqueues one task; nothing is
    mailed until the worker runs it, then each recipient gets exactly one mail."""
    from django_tasks_db.models import DBTaskResult

    readers = UserFactory.create_batch(3)
    with DB_TASKS:  # django-tasks resets its backends when TASKS changes
        notify("test-reply", readers, title="Nouvelle réponse", url="/echanges/vae/1-sujet/")  # autocommit
        assert DBTaskResult.objects.count() == 1
        assert mail.outbox == []
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in readers)
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}
