from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from comcep.notifications.enums import EmailStatus
from comcep.notifications.models import Notification


class Command(BaseCommand):
    help = (
        "Delete notifications older than --days (default 365) whose e-mail is no longer pending: "
        "keeps the table small and holds no member data longer than useful. Run it weekly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=365)

    def handle(self, *args, days, **options):
        if days < 1:
            raise CommandError("--days must be at least 1")
        cutoff = timezone.now() - timedelta(days=days)
        waiting = [EmailStatus.PENDING, EmailStatus.SENDING]
        deleted, _ = Notification.objects.filter(created_at__lt=cutoff).exclude(email_status__in=waiting).delete()
        self.stdout.write(f"Deleted {deleted} notifications older than {days} days")
