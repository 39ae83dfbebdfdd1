"""The agenda's fixed-shape list query, compiled once per process (comcep.core.prepared).

``EventPage.objects.child_of(index).for_listing(user)`` then ``upcoming(now)`` or ``past(now)``:
the shape is the index page, the direction and the kind of reader (members-only events or not,
signed in or not: what ``visible_to`` and ``with_registration_of`` branch on); the reader's id and
the current time are query parameters. Filtered lists (region, type, theme) are built by the ORM.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser

from comcep.core.access import sentinel_member
from comcep.core.prepared import PreparedQuery

from .access import can_see_members_content
from .models import EventPage


def reader_shape(user) -> tuple[bool, bool]:
    """(sees members-only events, is signed in): what the list query branches on."""
    return can_see_members_content(user), bool(user is not None and user.is_authenticated)


def _sentinel_reader(members: bool, signed_in: bool, pk: int):
    user = sentinel_member(pk=pk, approved=members) if signed_in else AnonymousUser()
    if reader_shape(user) != (members, signed_in):
        raise AssertionError("the sentinel reader must take the real reader's branches")
    return user


def _listing(index_path, index_depth, past, members, signed_in, *, user, now):
    events = (EventPage.objects.filter(path__startswith=index_path, depth=index_depth + 1)
              .for_listing(_sentinel_reader(members, signed_in, user)))
    return events.past(now) if past else events.upcoming(now)


LISTING = PreparedQuery("events.agenda_listing", _listing, params={"user": int, "now": datetime.datetime})
