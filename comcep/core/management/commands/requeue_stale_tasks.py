"""Put back in the queue the tasks whose worker died while running them.

django-tasks-db marks a task RUNNING when a worker claims it and has no lease: if the worker is
killed (SIGKILL, out of memory, power loss) the task stays RUNNING forever and no worker takes it
again. Comcep's task handlers are idempotent (at-least-once delivery), so a task RUNNING for longer
than any task takes can safely be made READY again. Run by the worker's systemd unit before it
starts (ExecStartPre) and by the `requeue-tasks` job (deploy/run-job) every 10 minutes.

    python manage.py requeue_stale_tasks [--older-than MINUTES] [--dry-run]
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult


class Command(BaseCommand):
    help = "Make tasks stuck in RUNNING (their worker died) READY again, so that a worker runs them."

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
