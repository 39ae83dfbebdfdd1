"""python manage.py purge_search_log [--days N] — delete the logged searches older than N days
(default: the SEARCH_LOG_RETENTION_DAYS setting, 365), and the query groups left without
searches that hold no moderator decision (status, note, recommended result). Run weekly by
deploy/run-job purge."""

from django.core.management.base import BaseCommand, CommandError

from search import gaps


class Command(BaseCommand):
    help = "Delete logged searches older than --days (default SEARCH_LOG_RETENTION_DAYS) for the content gaps report."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days, **options):
        days = gaps.retention_days() if days is None else days
        if days < 1:
            raise CommandError("--days must be at least 1")
        searches, groups = gaps.purge(days)
        self.stdout.write(f"Deleted {searches} searches older than {days} days and {groups} empty query groups")
