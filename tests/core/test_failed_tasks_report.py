"""The operators' report "Tâches en échec" in the Wagtail admin (comcep.core.admin_views): what the task
worker leaves when a task raises, for superusers only, in a constant number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tests.core.failing_tasks import send_the_weekly_digest
from tests.factories import ModeratorFactory

URL = "/admin/taches-en-echec/"
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def failed_row(n: int, *, finished_at=None) -> DBTaskResult:
    """A task row as the worker leaves a task that raised (see the worker test below)."""
    now = timezone.now()
    return DBTaskResult.objects.create(
        args_kwargs={"args": [n], "kwargs": {}}, task_path="comcep.notifications.tasks.send_digest",
        status=TaskResultStatus.FAILED, queue_name="default", backend_name="default", run_after=now,
        started_at=now, finished_at=finished_at or now, exception_class_path="builtins.OSError",
        traceback=f'Traceback (most recent call last):\n  File "x.py", line 1\nOSError: panne numéro {n}\n\n')


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("restore_migrated_data")
def test_a_task_that_raised_in_the_worker_is_listed_with_its_error_and_traceback(client, admin_user, settings):
    settings.TASKS = DATABASE_QUEUE
    send_the_weekly_digest.enqueue(42)
    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="test-worker", excluded_queue_names=[]).run()
    (row,) = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)

    client.force_login(admin_user)
    listing = client.get(URL)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "1 tâche en échec" in html
    assert "tests.core.failing_tasks.send_the_weekly_digest" in html
    assert "ConnectionRefusedError: le serveur de messagerie refuse la connexion (membre 42)" in html
    assert f'href="{URL}{row.pk}/"' in html

    detail = client.get(f"{URL}{row.pk}/").content.decode()
    assert "Traceback (most recent call last)" in detail and "raise ConnectionRefusedError" in detail
    assert "42" in detail.split("Arguments", 1)[1]


@pytest.mark.django_db
def test_only_superusers_see_the_report_and_its_menu_entry(client, member, admin_user):
    row = failed_row(1)
    assert client.get(URL).status_code == 302  # visitors: to the sign-in page
    moderator = ModeratorFactory()
    for user in (member, moderator):
        client.force_login(user)
        assert client.get(URL).status_code in (302, 403)
        assert client.get(f"{URL}{row.pk}/").status_code in (302, 403)
    client.force_login(moderator)
    assert URL not in client.get("/admin/").content.decode()
    client.force_login(admin_user)
    assert URL in client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_only_failed_tasks_are_listed_newest_first(client, admin_user):
    now = timezone.now()
    failed_row(1, finished_at=now - timedelta(days=2))
    failed_row(2, finished_at=now - timedelta(hours=1))
    succeeded = failed_row(3)
    DBTaskResult.objects.filter(pk=succeeded.pk).update(status=TaskResultStatus.SUCCESSFUL)
    client.force_login(admin_user)
    html = client.get(URL).content.decode()
    assert "2 tâches en échec" in html
    assert html.index("panne numéro 2") < html.index("panne numéro 1")
    assert "panne numéro 3" not in html
    assert client.get(f"{URL}{succeeded.pk}/").status_code == 404


@pytest.mark.django_db
def test_an_unknown_task_is_a_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(f"{URL}00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get(f"{URL}pas-un-identifiant/").status_code == 404


@pytest.mark.django_db
def test_the_report_is_paginated_in_a_constant_number_of_queries(client, admin_user):
    client.force_login(admin_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx)

    failed_row(0)
    client.get(URL)  # warm: the admin's menus and the session
    few = queries()
    for n in range(1, 61):
        failed_row(n)
    assert queries() == few
    html = client.get(URL).content.decode()
    assert "61 tâches en échec" in html and "Page 1 sur 2" in html
    assert "panne numéro 60" in html and "panne numéro 0<" not in html
    assert "panne numéro 0" in client.get(URL + "?page=2").content.decode()
