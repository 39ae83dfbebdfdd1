"""Put back in the queue the tasks whose worker died while running them, then run the apps' recoveries
of the work that failed tasks left undone.

django-tasks-db marks a task RUNNING when a worker claims it and has no lease: if the worker is
killed (SIGKILL, out of memory, power loss) the task stays RUNNING forever and no worker takes it
again. Comcep's task handlers are idempotent (at-least-once delivery), so a task RUNNING for longer
than any task takes can safely be made READY again. A task that FAILED (an exception) is never run
again either: the recoveries registered by the apps (comcep.core.recovery, e.g. the forum posts still
waiting for their announcement) queue a new task for the work it left undone. They run after the
requeue, so that a task just made READY counts as queued. Run by the worker's systemd unit before it
starts (ExecStartPre) and by the `requeue-tasks` job (deploy/run-job) every 10 minutes.

    python manage.py requeue_stale_tasks [--older-than MINUTES] [--dry-run]

A recovery that raises is logged and reported on stderr; the others still run, and the command then
exits with an error (the job shows as failed).
"""

import logging
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from comcep.core import recovery

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = ("Make tasks stuck in RUNNING (their worker died) READY again, so that a worker runs them; then queue "
            "tasks for the work that failed tasks left undone (the apps' recoveries).")

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=float, default=30, metavar="MINUTES",
                            help="only tasks started more than this many minutes ago (default: 30; longer than "
                                 "any task runs, so that a task still running is not started twice)")
        parser.add_argument("--dry-run", action="store_true", help="list them, change nothing")

    def handle(self, *args, older_than, dry_run, **options):
        cutoff = timezone.now() - timedelta(minutes=older_than)
        with transaction.atomic():
            stale = DBTaskResult.objects.select_for_update().filter(
                status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
            rows = list(stale.values_list("id", "task_path", "started_at"))
            if not dry_run and rows:
                DBTaskResult.objects.filter(pk__in=[r[0] for r in rows]).update(
                    status=TaskResultStatus.READY, started_at=None)
        for pk, task_path, started_at in rows:
            self.stdout.write(f"{'would requeue' if dry_run else 'requeued'} {pk} {task_path} "
                              f"(running since {started_at:%Y-%m-%d %H:%M:%S %Z})")
        self.stdout.write(f"{len(rows)} stale task(s) {'found' if dry_run else 'requeued'} "
                          f"(running for more than {older_than:g} min)")
        failed = []
        for name, recover in recovery.recoveries():
            try:
                lines = recover(dry_run=dry_run)
            except Exception as exc:  # noqa: BLE001 - each recovery on its own; reported, then the exit status
                logger.exception("recovery %s failed", name)
                self.stderr.write(f"recovery {name} failed: {exc!r}")
                failed.append(name)
                continue
            for line in lines:
                self.stdout.write(line)
        if failed:
            raise CommandError(f"{len(failed)} recovery(ies) failed: {', '.join(failed)}")
