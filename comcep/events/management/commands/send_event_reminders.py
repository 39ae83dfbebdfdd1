from django.core.management.base import BaseCommand

from comcep.events.services import reminder_window, send_reminders


class Command(BaseCommand):
    help = (
        "E-mail a reminder to every registrant of the events that start tomorrow (Paris date). "
        "Run it from cron or a systemd timer, e.g. daily at 08:00; each registrant is reminded once "
        "even if the job runs several times or on several servers."
    )

    def handle(self, *args, **options):
        start, end = reminder_window()
        sent = send_reminders()
        self.stdout.write(f"event reminders: {sent} sent for events starting {start.isoformat()} – {end.isoformat()}")
