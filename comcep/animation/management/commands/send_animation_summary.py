from django.core.management.base import BaseCommand

from comcep.animation.summary import send_weekly_summary


class Command(BaseCommand):
    help = (
        "Send the weekly summary e-mail to moderators (new members, members awaiting approval, open flags, "
        "unanswered threads, the dashboard link). Never sent twice for the same ISO week, even if run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue", action="store_true",
                            help="Enqueue the django-tasks task instead of sending from this process.")

    def handle(self, *args, queue=False, **options):
        if queue:
            from comcep.animation.tasks import send_animation_summary_task

            result = send_animation_summary_task.enqueue()
            self.stdout.write(f"animation summary queued (task {result.id})")
            return
        report = send_weekly_summary()
        self.stdout.write(
            f"animation summary {report.week}: {report.sent} sent, {report.already_sent} already sent, "
            f"{report.opted_out} opted out, {len(report.failed)} failed"
        )
        if report.failed:
            self.stderr.write("Some summaries failed (see the log); the next run retries them.")
            raise SystemExit(1)
