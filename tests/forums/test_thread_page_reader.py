"""The thread page reads what it needs to know about its reader — do they moderate the thread's space,
are they suspended — in the thread's own statement (forums.queries.THREAD_PAGE), not in two more
statements; what the page shows each reader is unchanged."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forums import services
from forums.models import MemberSanction
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread

pytestmark = pytest.mark.django_db

PANEL = "Modération du sujet"
SUSPENDED = "Votre compte est suspendu"


def page(client, thread):
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_no_statement_of_its_own_for_the_reader_space_moderation_or_sanction(client, member, space):
    thread = make_thread(space=space, replies=3)
    client.force_login(member)
    page(client, thread)
    with CaptureQueriesContext(connection) as captured:
        page(client, thread)
    own = [q["sql"] for q in captured.captured_queries
           if re.match(r'SELECT [^"]{0,40}FROM "forums_(space_moderators|membersanction)"', q["sql"])
           or q["sql"].startswith('SELECT "forums_membersanction"')]
    assert own == []
    assert any('"forums_space_moderators"' in q["sql"] and '"forums_membersanction"' in q["sql"]
               and 'FROM "forums_thread"' in q["sql"] for q in captured.captured_queries)


def test_a_space_moderator_moderates_there_and_only_there(client, space):
    coordinator = UserFactory()
    space.moderators.add(coordinator)
    here = make_thread(space=space, replies=1)
    elsewhere = make_thread(space=SpaceFactory(slug="autre"), replies=1)
    client.force_login(coordinator)
    html = page(client, here)
    assert PANEL in html and ">Masquer<" in html and "Historique" in html
    html = page(client, elsewhere)
    assert PANEL not in html and ">Masquer<" not in html
    space.moderators.remove(coordinator)
    assert PANEL not in page(client, here)  # at once


def test_a_global_moderator_moderates_every_space(client, moderator):
    thread = make_thread(space=SpaceFactory(slug="autre"), replies=1)
    client.force_login(moderator)
    html = page(client, thread)
    assert PANEL in html and "Suspendre l'auteur" in html


def test_a_suspended_member_reads_but_cannot_reply_until_the_sanction_ends_or_is_lifted(
        client, member, moderator, space):
    thread = make_thread(space=space, replies=1)
    client.force_login(member)
    assert 'id="repondre"' in page(client, thread) and SUSPENDED not in page(client, thread)

    sanction = services.suspend_member(member=member, moderator=moderator, reason="Propos déplacés")
    html = page(client, thread)
    assert "Votre compte est suspendu : vous ne pouvez pas publier." in html
    assert "Publier la réponse" not in html

    MemberSanction.objects.filter(pk=sanction.pk).update(suspended_until=timezone.now() + timedelta(days=2))
    html = page(client, thread)
    assert "Votre compte est suspendu jusqu&#x27;au" in html and "Publier la réponse" not in html

    MemberSanction.objects.filter(pk=sanction.pk).update(suspended_until=timezone.now() - timedelta(minutes=1))
    html = page(client, thread)  # the suspension is over
    assert SUSPENDED not in html and "Publier la réponse" in html

    MemberSanction.objects.filter(pk=sanction.pk).update(suspended_until=None, lifted_at=timezone.now())
    assert "Publier la réponse" in page(client, thread)


def test_a_suspended_space_moderator_still_moderates_but_cannot_reply(client, moderator, space):
    coordinator = UserFactory()
    space.moderators.add(coordinator)
    thread = make_thread(space=space, replies=1)
    services.suspend_member(member=coordinator, moderator=moderator, reason="Pause")
    client.force_login(coordinator)
    html = page(client, thread)
    assert PANEL in html and SUSPENDED in html
