from django.core.management.base import BaseCommand

from comcep.notifications.emails import send_digests
from comcep.notifications.enums import Frequency


class Command(BaseCommand):
    help = (
        "Send one digest e-mail per member grouping the notifications waiting for their daily or weekly "
        "digest. A notification is never sent twice, even if the command runs twice or concurrently."
    )

    def add_arguments(self, parser):
        parser.add_argument("--frequency", required=True, choices=[Frequency.DAILY, Frequency.WEEKLY])

    def handle(self, *args, frequency, **options):
        report = send_digests(frequency)
        self.stdout.write(
            f"{frequency} digests: {report.mails_sent} e-mails, {report.notifications_sent} notifications, "
            f"{report.skipped} skipped, {len(report.failed_users)} failed"
        )
        if report.failed_users:
            self.stderr.write(
                f"Digest e-mail failed for {len(report.failed_users)} members: kept for the next run "
                "(see the log for the errors)."
            )
            raise SystemExit(1)
