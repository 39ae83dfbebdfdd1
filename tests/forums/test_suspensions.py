"""A member with several active suspensions is told the effective end (none if one is open-ended, else the
latest end), on every screen that refuses them, and may post again only then; a suspension's end entered
as a date alone lasts through that day."""

import html
from datetime import timedelta

import pytest
from django.utils import timezone

from forums import services
from forums.models import MemberSanction
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db

OPEN_ENDED = "Votre compte est suspendu : vous ne pouvez pas publier."


def suspend(member, moderator, *, until, created_at):
    return MemberSanction.objects.create(user=member, reason="Propos déplacés", created_by=moderator,
                                         suspended_until=until, created_at=created_at)


def refusals(client, thread):
    """What the member is told on the thread page, when replying, and when opening a new thread."""
    page = html.unescape(client.get(thread.get_absolute_url()).content.decode())
    reply = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "Je reviens"})
    assert reply.status_code == 400
    create = client.post(f"/echanges/{thread.space.slug}/poser-une-question/",
                         {"title": "Une nouvelle question", "body": "Bonjour à tous."})
    assert not create.has_header("Location")  # refused: the form again, with the reason
    return page, html.unescape(reply.content.decode()), html.unescape(create.content.decode())


def until_text(moment):
    return f"suspendu jusqu'au {timezone.localtime(moment):%d/%m/%Y %H:%M}"


def test_an_earlier_open_ended_suspension_outlasts_a_later_dated_one(client, member, moderator, space):
    thread = make_thread(space=space)
    now = timezone.now()
    suspend(member, moderator, until=None, created_at=now - timedelta(days=3))
    later_dated = suspend(member, moderator, until=now + timedelta(days=2), created_at=now - timedelta(hours=1))
    assert services.active_sanction(member).suspended_until is None
    client.force_login(member)
    for text in refusals(client, thread):
        assert OPEN_ENDED in text and until_text(later_dated.suspended_until) not in text
    # The dated one is over: the open-ended one still holds.
    MemberSanction.objects.filter(pk=later_dated.pk).update(suspended_until=now - timedelta(minutes=1))
    for text in refusals(client, thread):
        assert OPEN_ENDED in text


def test_an_earlier_suspension_that_ends_later_gives_the_end(client, member, moderator, space):
    thread = make_thread(space=space)
    now = timezone.now()
    longer = suspend(member, moderator, until=now + timedelta(days=30), created_at=now - timedelta(days=3))
    shorter = suspend(member, moderator, until=now + timedelta(days=2), created_at=now - timedelta(hours=1))
    assert services.active_sanction(member).suspended_until == longer.suspended_until
    client.force_login(member)
    for text in refusals(client, thread):
        assert until_text(longer.suspended_until) in text and until_text(shorter.suspended_until) not in text
    # When the shorter one is over, the member is still refused until the longer one ends...
    MemberSanction.objects.filter(pk=shorter.pk).update(suspended_until=now - timedelta(minutes=1))
    for text in refusals(client, thread):
        assert until_text(longer.suspended_until) in text
    # ...and may post once it has ended.
    MemberSanction.objects.filter(pk=longer.pk).update(suspended_until=now - timedelta(minutes=1))
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "Je reviens"})
    assert response.status_code == 302
