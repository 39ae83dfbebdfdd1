"""iCalendar (RFC 5545) for events: the file attached to confirmation e-mails and the
public feed /agenda/agenda.ics. Times are written in Europe/Paris (TZID) with the
matching VTIMEZONE, so calendars show the right local time on both sides of a DST change."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone

from comcep.core.links import public_url
from comcep.core.markdown import html_to_text

PRODID = "-//Comcep//Agenda//FR"

# The EU rule in force since 1996 (last Sunday of March 02:00 -> 03:00, last Sunday of
# October 03:00 -> 02:00), as calendar clients publish it. DTSTART is the local time of the
# change in the offset in force before it (RFC 5545 3.6.5).
PARIS_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Paris
X-LIC-LOCATION:Europe/Paris
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


def absolute_url(event) -> str:
    """The event's address on the public site (comcep.core.links)."""
    return public_url(event.url or "/")


def build_calendar(events, *, name: str | None = None, method: str = "PUBLISH", for_registrant: bool = False
                   ) -> Calendar:
    """``for_registrant``: the file sent to a registered member, which carries the video link;
    the public feed points to the event page instead (the link is for registrants)."""
    paris = ZoneInfo(settings.TIME_ZONE)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", settings.TIME_ZONE)
    dates = []
    for event in events:
        cal.add_component(build_event(event, paris, for_registrant=for_registrant))
        dates += [event.starts_at.astimezone(paris).date(), event.ends_at.astimezone(paris).date()]
    if dates:
        if settings.TIME_ZONE == "Europe/Paris":
            cal.add_component(Timezone.from_ical(PARIS_VTIMEZONE.replace("\n", "\r\n")))
        else:  # generated from the tz database, one year of margin around the events
            cal.add_missing_timezones(first_date=min(dates) - dt.timedelta(days=366),
                                      last_date=max(dates) + dt.timedelta(days=366))
    return cal


def build_event(event, paris: ZoneInfo, *, for_registrant: bool = False) -> Event:
    url = absolute_url(event)
    vevent = Event()
    vevent.add("uid", event.ical_uid())
    stamp = event.last_published_at or event.latest_revision_created_at or timezone.now()
    vevent.add("dtstamp", stamp.astimezone(dt.UTC))
    vevent.add("dtstart", event.starts_at.astimezone(paris))
    vevent.add("dtend", event.ends_at.astimezone(paris))
    vevent.add("summary", event.title)
    video_url = event.video_url if for_registrant else ""
    if event.place:
        vevent.add("location", " ".join(event.place.split()))
    elif video_url:
        vevent.add("location", video_url)
    else:
        vevent.add("location", "En ligne")
    vevent.add("url", url)
    description = html_to_text(str(event.description or ""))
    parts = [description] if description else []
    if video_url:
        parts.append(f"Visioconférence : {video_url}")
    parts.append(f"Détails et inscription : {url}")
    vevent.add("description", "\n\n".join(parts))
    vevent.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    return vevent


def event_ics(event) -> bytes:
    """The .ics attached to a registrant's e-mails."""
    return build_calendar([event], for_registrant=True).to_ical()
