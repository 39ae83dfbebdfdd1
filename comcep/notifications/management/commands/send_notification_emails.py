from django.core.management.base import BaseCommand

from comcep.notifications.emails import retry_pending_immediate_emails


class Command(BaseCommand):
    help = (
        "Send the immediate notification e-mails still pending (queue down, SMTP failure...). "
        "Idempotent and safe to run concurrently with the task worker: run it from cron every few minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--include-failed",
            action="store_true",
            help="Also retry the e-mails that exhausted NOTIFICATIONS_EMAIL_MAX_ATTEMPTS (their count restarts).",
        )

    def handle(self, *args, include_failed=False, **options):
        outcome = retry_pending_immediate_emails(include_failed=include_failed)
        sent, failed = outcome.get("sent", 0), outcome.get("failed", 0)
        summary = ", ".join(f"{key}: {value}" for key, value in sorted(outcome.items())) or "nothing to send"
        self.stdout.write(f"Notification e-mails: {summary}")
        if failed and not sent:
            # A non-zero exit makes cron (or the monitoring around it) report the outage.
            raise SystemExit(1)
