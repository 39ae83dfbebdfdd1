"""Europe/Paris across daylight saving changes: storage, display, .ics and reminders."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from icalendar import Calendar

from comcep.events.ical import event_ics
from comcep.events.models import Registration
from comcep.events.services import reminder_window, send_reminders
from tests.factories.events import EventPageFactory, RegistrationFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC


def paris(*args, fold=0):
    return dt.datetime(*args, tzinfo=PARIS, fold=fold)


@time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC), tick=False)
def test_event_across_the_march_change_is_stored_shown_and_exported_right(client):
    # 01:30 is winter time (UTC+1); 02:00 jumps to 03:00; 03:30 is summer time (UTC+2).
    event = EventPageFactory(starts_at=paris(2026, 3, 29, 1, 30), ends_at=paris(2026, 3, 29, 3, 30))
    event.refresh_from_db()
    assert event.starts_at == dt.datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert event.ends_at == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # one real hour
    html = client.get(event.url).content.decode()
    assert "dimanche 29 mars 2026 de 01:30 à 03:30 (heure de Paris)" in html

    cal = Calendar.from_ical(event_ics(event))
    vevent = cal.walk("VEVENT")[0]
    assert vevent["DTSTART"].to_ical().decode() == "20260329T013000"
    # The VTIMEZONE of the file, on its own, resolves both sides of the change.
    vtimezone = cal.walk("VTIMEZONE")[0].to_tz()
    assert dt.datetime(2026, 3, 29, 1, 30, tzinfo=vtimezone).utcoffset() == dt.timedelta(hours=1)
    assert dt.datetime(2026, 3, 29, 3, 30, tzinfo=vtimezone).utcoffset() == dt.timedelta(hours=2)
    assert vevent["DTSTART"].params["TZID"] == "Europe/Paris"
    assert vevent.decoded("DTSTART").astimezone(UTC) == dt.datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert vevent.decoded("DTEND").astimezone(UTC) == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


@time_machine.travel(dt.datetime(2026, 10, 1, 9, 0, tzinfo=UTC), tick=False)
def test_event_across_the_october_change_is_stored_shown_and_exported_right(client):
    # 02:30 happens twice on 25 October 2026; the first one (summer time, UTC+2) is meant.
    event = EventPageFactory(starts_at=paris(2026, 10, 25, 2, 30), ends_at=paris(2026, 10, 25, 4, 0))
    event.refresh_from_db()
    assert event.starts_at == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert event.ends_at == dt.datetime(2026, 10, 25, 3, 0, tzinfo=UTC)  # 2 h 30 of real time
    html = client.get(event.url).content.decode()
    assert "dimanche 25 octobre 2026 de 02:30 à 04:00 (heure de Paris)" in html

    cal = Calendar.from_ical(event_ics(event))
    vevent = cal.walk("VEVENT")[0]
    assert vevent.decoded("DTSTART").astimezone(UTC) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert vevent.decoded("DTEND").astimezone(UTC) == dt.datetime(2026, 10, 25, 3, 0, tzinfo=UTC)
    # The VTIMEZONE carries both offsets so any client can resolve local times.
    offsets = {sub.decoded("TZOFFSETTO") for sub in cal.walk("VTIMEZONE")[0].subcomponents}
    assert {dt.timedelta(hours=1), dt.timedelta(hours=2)} <= offsets
    vtimezone = cal.walk("VTIMEZONE")[0].to_tz()
    assert dt.datetime(2026, 10, 25, 1, 30, tzinfo=vtimezone).utcoffset() == dt.timedelta(hours=2)
    assert dt.datetime(2026, 10, 25, 4, 0, tzinfo=vtimezone).utcoffset() == dt.timedelta(hours=1)


def test_reminder_window_is_tomorrow_in_paris_even_on_a_dst_day():
    # 28 March 2026 at 23:30 Paris = 22:30 UTC: "tomorrow" is Sunday 29 March (23 hours long).
    start, end = reminder_window(dt.datetime(2026, 3, 28, 22, 30, tzinfo=UTC))
    assert start == paris(2026, 3, 29, 0, 0) and end == paris(2026, 3, 30, 0, 0)
    assert end.astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(hours=23)
    # 24 October at 23:30 Paris (21:30 UTC): tomorrow is the 25-hour Sunday.
    start, end = reminder_window(dt.datetime(2026, 10, 24, 21, 30, tzinfo=UTC))
    assert start.date() == dt.date(2026, 10, 25)
    assert end.astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(hours=25)


def test_reminder_is_sent_the_day_before_in_paris_dates_and_only_once():
    early = EventPageFactory(title="Atelier matinal", starts_at=paris(2026, 3, 29, 1, 30),
                             ends_at=paris(2026, 3, 29, 3, 30))
    later = EventPageFactory(title="Rencontre du lundi", starts_at=paris(2026, 3, 30, 0, 30),
                             ends_at=paris(2026, 3, 30, 2, 0))
    registration = RegistrationFactory(event=early)
    RegistrationFactory(event=later)
    RegistrationFactory(event=early, cancelled_at=dt.datetime(2026, 3, 20, tzinfo=UTC))

    with time_machine.travel(dt.datetime(2026, 3, 27, 22, 59, tzinfo=UTC), tick=False):  # 27th, 23:59 Paris
        assert send_reminders() == 0
    with time_machine.travel(dt.datetime(2026, 3, 28, 7, 0, tzinfo=UTC), tick=False):  # 28th, 08:00 Paris
        call_command("send_event_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert send_reminders() == 0  # a second run (cron overlap) sends nothing more
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [registration.user.email]
    assert "Rappel" in message.subject and "Atelier matinal" in message.subject
    assert message.attachments[0][0] == "evenement.ics"
    registration.refresh_from_db()
    assert registration.reminded_at is not None
    assert Registration.objects.filter(reminded_at__isnull=False).count() == 1
