"""``manage.py requeue_stale_tasks`` runs the apps' recoveries (comcep.core.recovery) after its own requeue:
each one whatever the others do, with the dry run passed on, and a failing one makes the command (the
requeue-tasks job) fail once everything else has run."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from comcep.core import recovery

pytestmark = pytest.mark.django_db


@pytest.fixture
def recoveries(monkeypatch):
    registered = dict(recovery._recoveries)
    monkeypatch.setattr(recovery, "_recoveries", registered)
    return registered


def _stale_task() -> DBTaskResult:
    from forums.tasks import announce_thread

    row = DBTaskResult.objects.create(args_kwargs={"args": [1], "kwargs": {}}, task_path=announce_thread.module_path,
                                      backend_name="default", run_after=timezone.now(),
                                      status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(hours=1))
    return row


def test_forums_registers_its_announcements_recovery():
    from forums.services import requeue_stranded_announcements

    assert ("forums.announcements", requeue_stranded_announcements) in recovery.recoveries()


def test_recoveries_run_after_the_requeue_with_the_dry_run_passed_on(recoveries):
    calls = []

    def recover(*, dry_run):
        calls.append((dry_run, DBTaskResult.objects.get().status))
        return [f"recovered (dry run: {dry_run})"]

    recoveries.clear()
    recovery.register("test.recovery", recover)
    _stale_task()
    out = io.StringIO()
    call_command("requeue_stale_tasks", "--dry-run", stdout=out)
    call_command("requeue_stale_tasks", stdout=out)
    assert calls == [(True, TaskResultStatus.RUNNING), (False, TaskResultStatus.READY)]
    assert "recovered (dry run: True)" in out.getvalue() and "recovered (dry run: False)" in out.getvalue()


def test_a_failing_recovery_fails_the_command_after_the_others_ran(recoveries):
    def broken(*, dry_run):
        raise RuntimeError("bug in a recovery")

    recoveries.clear()
    recovery.register("a.broken", broken)
    recovery.register("b.working", lambda *, dry_run: ["b ran"])
    task = _stale_task()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="a.broken"):
        call_command("requeue_stale_tasks", stdout=out, stderr=err)
    assert "1 stale task(s) requeued" in out.getvalue() and "b ran" in out.getvalue()
    assert "recovery a.broken failed: RuntimeError('bug in a recovery')" in err.getvalue()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY  # the requeue is committed whatever the recoveries do
