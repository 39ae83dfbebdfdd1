"""``reindex_later`` with the database task queue (production, the benchmark): the task row is written in
the caller's transaction, in one statement whether or not a task of the source already waits, and a
source has at most one reindex waiting (READY); once that one has started, a change queues another."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from comcep.core.models import StandardPage
from search import services
from search.tasks import reindex_source

pytestmark = pytest.mark.django_db

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _reindexes(status=None):
    rows = DBTaskResult.objects.filter(task_path=reindex_source.module_path).order_by("enqueued_at")
    if status is not None:
        rows = rows.filter(status=status)
    return [row.task_result.args for row in rows]


def _row(pk):
    row = DBTaskResult.objects.get(pk=pk)
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields
            if f.attname not in ("id", "enqueued_at")}


@override_settings(TASKS=DB_QUEUE)
def test_one_reindex_waits_per_source_written_in_one_statement_each_time():
    page, other = StandardPage(pk=41), StandardPage(pk=42)  # the task reads the source when it runs
    ct = ContentType.objects.get_for_model(StandardPage, for_concrete_model=False)
    statements = []
    with transaction.atomic():
        for _ in range(4):
            with CaptureQueriesContext(connection) as change:
                services.reindex_later(page)
            statements.append(len(change))
        services.reindex_later(other)
        assert _reindexes() == [[ct.pk, "41"], [ct.pk, "42"]]  # in the transaction: seen by the worker with it
    assert statements == [1, 1, 1, 1]
    assert _reindexes(TaskResultStatus.READY) == [[ct.pk, "41"], [ct.pk, "42"]]


@override_settings(TASKS=DB_QUEUE)
def test_a_change_after_the_reindex_started_queues_another():
    page = StandardPage(pk=41)
    ct = ContentType.objects.get_for_model(StandardPage, for_concrete_model=False)
    services.reindex_later(page)
    DBTaskResult.objects.get().claim("test")  # started: it may have read the page before the change below
    with transaction.atomic():
        services.reindex_later(page)
        services.reindex_later(page)
    assert _reindexes(TaskResultStatus.RUNNING) == [[ct.pk, "41"]]
    assert _reindexes(TaskResultStatus.READY) == [[ct.pk, "41"]]


@override_settings(TASKS=DB_QUEUE)
def test_the_reindex_row_is_the_one_the_task_queue_writes():
    ct = ContentType.objects.get_for_model(StandardPage, for_concrete_model=False)
    services.reindex_later(StandardPage(pk=41))
    ours = DBTaskResult.objects.get()
    theirs = reindex_source.using(run_after=ours.run_after).enqueue(ct.pk, "41")  # django-tasks-db's own enqueue
    assert _row(ours.pk) == _row(theirs.id)


@override_settings(TASKS=DB_QUEUE)
def test_a_reindex_waits_a_short_delay_that_the_changes_within_it_share():
    """A source changed again and again (a thread receiving replies) is reindexed once per delay, not once
    per change: the task waits SEARCH_REINDEX_DELAY_SECONDS (default 2), and the changes meanwhile find it
    waiting. With 0 it may run at once."""
    page = StandardPage(pk=41)
    before = timezone.now()
    for _ in range(3):
        services.reindex_later(page)
    (waiting,) = DBTaskResult.objects.filter(task_path=reindex_source.module_path)
    assert waiting.status == TaskResultStatus.READY
    delay = timedelta(seconds=services.REINDEX_DELAY_SECONDS)
    assert before + delay <= waiting.run_after <= timezone.now() + delay
    assert not DBTaskResult.objects.ready().exists()  # what the worker may claim now: nothing yet
    DBTaskResult.objects.all().delete()
    with override_settings(SEARCH_REINDEX_DELAY_SECONDS=0):
        services.reindex_later(page)
    assert DBTaskResult.objects.ready().count() == 1


@override_settings(TASKS=DB_QUEUE)
def test_a_rolled_back_change_leaves_no_reindex():
    with transaction.atomic():
        services.reindex_later(StandardPage(pk=41))
        transaction.set_rollback(True)
    assert _reindexes() == []


@override_settings(TASKS=DB_QUEUE)
def test_many_sources_are_queued_in_one_statement_however_many():
    """A change touching many entries at once (a member's deletion taking back their votes) queues one
    reindex per source, each source once, in one statement for any number of sources."""
    ct = ContentType.objects.get_for_model(StandardPage, for_concrete_model=False)
    counts = []
    for ids in ([3, 1, 3], range(10, 60)):
        with transaction.atomic(), CaptureQueriesContext(connection) as change:
            services.reindex_many_later(StandardPage, ids)
        counts.append(len(change))
    assert counts == [1, 1]
    assert sorted(_reindexes(TaskResultStatus.READY)) == sorted([ct.pk, str(pk)] for pk in [1, 3, *range(10, 60)])
    assert services.reindex_many_later(StandardPage, []) == 0
