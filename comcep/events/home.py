"""The home page's "Prochains événements" section."""

import datetime

from django.utils import timezone

from comcep.core.access import sentinel_reader
from comcep.core.prepared import PreparedQuery

from .access import can_see_members_content
from .models import EventPage

HOME_EVENT_COUNT = 3

# Compiled once per process for each kind of reader (members-only events or not); "now" is a parameter.
UPCOMING = PreparedQuery(
    "events.home_upcoming",
    lambda members, *, now: (
        EventPage.objects.visible_to(sentinel_reader(members, can_see_members_content))
        .filter(is_cancelled=False).upcoming(now).select_related("region")
    ),
    params={"now": datetime.datetime},
)


def upcoming_events(request):
    return UPCOMING.objects(can_see_members_content(request.user), now=timezone.now(), limit=HOME_EVENT_COUNT)
