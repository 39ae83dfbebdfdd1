"""A member with several active suspensions is told the effective end (none if one is open-ended, else the
latest end), on every screen that refuses them, and may post again only then; a suspension's end entered
as a date alone lasts through that day."""

import html
from datetime import datetime, time, timedelta

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
    assert create.status_code == 400  # the form again, with the reason
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


# --- The end entered as a date alone ---------------------------------------------------------


def end_of_local_day(day):
    return timezone.make_aware(datetime.combine(day, time.max))


@pytest.mark.parametrize("screen", ["front end", "admin"])
def test_an_end_entered_as_a_date_alone_lasts_through_that_day(client, member, moderator, space, screen):
    day = timezone.localdate() + timedelta(days=10)
    client.force_login(moderator)
    if screen == "front end":
        response = client.post(f"/echanges/membre/{member.pk}/suspendre/",
                               {"reason": "Propos déplacés", "suspended_until": f"{day:%d/%m/%Y}"})
    else:
        response = client.post("/admin/echanges/suspensions/new/",
                               {"user": member.pk, "reason": "Propos déplacés", "suspended_until": f"{day:%d/%m/%Y}"})
    assert response.status_code == 302
    sanction = MemberSanction.objects.get(user=member)
    assert sanction.suspended_until == end_of_local_day(day)
    noon = timezone.make_aware(datetime.combine(day, time(12)))
    assert MemberSanction.objects.active(noon).filter(pk=sanction.pk).exists()  # the whole of that day
    assert not MemberSanction.objects.active(end_of_local_day(day) + timedelta(seconds=1)).exists()
    client.force_login(member)
    reply = client.post(f"/echanges/sujet/{make_thread(space=space).pk}/repondre/", {"body": "Je reviens"})
    assert f"suspendu jusqu'au {day:%d/%m/%Y} 23:59" in html.unescape(reply.content.decode())


def test_today_alone_suspends_until_tonight_and_a_time_is_kept_as_entered(client, member, moderator):
    today = timezone.localdate()
    client.force_login(moderator)
    response = client.post(f"/echanges/membre/{member.pk}/suspendre/",
                           {"reason": "Propos déplacés", "suspended_until": f"{today:%d/%m/%Y}"})
    assert response.status_code == 302  # not "in the past": today is not over
    assert MemberSanction.objects.get(user=member).suspended_until == end_of_local_day(today)
    MemberSanction.objects.update(lifted_at=timezone.now())
    later = today + timedelta(days=3)
    client.post(f"/echanges/membre/{member.pk}/suspendre/",
                {"reason": "Propos déplacés", "suspended_until": f"{later:%d/%m/%Y} 10:30"})
    sanction = MemberSanction.objects.active().get(user=member)
    assert sanction.suspended_until == timezone.make_aware(datetime.combine(later, time(10, 30)))


def test_the_suspension_form_says_what_a_date_alone_means(client, member, moderator):
    client.force_login(moderator)
    for url in (f"/echanges/membre/{member.pk}/suspendre/", "/admin/echanges/suspensions/new/"):
        page = html.unescape(client.get(url).content.decode())
        assert "jusqu'à la fin de ce jour" in page, url


def test_the_admin_refuses_a_past_end_or_self_suspension_next_to_the_field_keeping_the_input(client, member,
                                                                                              moderator):
    client.force_login(moderator)
    response = client.post("/admin/echanges/suspensions/new/",
                           {"user": member.pk, "reason": "Propos injurieux", "suspended_until": "01/01/2020 10:00"})
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "La date de fin doit être dans le futur." in page
    assert 'value="01/01/2020 10:00"' in page and "Propos injurieux" in page
    response = client.post("/admin/echanges/suspensions/new/", {"user": moderator.pk, "reason": "Test"})
    assert response.status_code == 400
    assert "Vous ne pouvez pas vous suspendre vous-même." in html.unescape(response.content.decode())
    assert not MemberSanction.objects.exists()
