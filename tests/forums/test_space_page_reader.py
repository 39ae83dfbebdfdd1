"""The space page reads whether the reader follows the space and whether they are one of its own
moderators in the space's statement (forums.queries.SPACE_PAGE), not in two more statements; what
the page shows each reader is unchanged."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forums.models import Subscription
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread

pytestmark = pytest.mark.django_db

QUEUE = "File de modération de cet espace"


def page(client, space):
    response = client.get(space.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_no_statement_of_its_own_for_following_or_space_moderation(client, member, space):
    make_thread(space=space, replies=1)
    client.force_login(member)
    page(client, space)
    with CaptureQueriesContext(connection) as captured:
        page(client, space)
    sqls = [q["sql"] for q in captured.captured_queries]
    own = [sql for sql in sqls if re.match(r'SELECT [^"]{0,40}FROM "forums_(space_moderators|subscription)"', sql)]
    assert own == []


def test_the_follow_button_follows_the_subscription_at_once(client, member, space):
    client.force_login(member)
    assert "Suivre cet espace" in page(client, space) and "Ne plus suivre cet espace" not in page(client, space)
    Subscription.objects.create(user=member, space=space)
    assert "Ne plus suivre cet espace" in page(client, space)
    client.post(space.get_absolute_url() + "suivre/", {"action": "ne-plus-suivre"})
    assert "Ne plus suivre cet espace" not in page(client, space)


def test_the_moderation_queue_link_for_the_space_moderators_and_global_moderators_only(
        client, member, moderator, space):
    coordinator = UserFactory()
    space.moderators.add(coordinator)
    other = SpaceFactory(slug="autre")
    for reader, here, elsewhere in ((member, False, False), (coordinator, True, False), (moderator, True, True)):
        client.force_login(reader)
        assert (QUEUE in page(client, space)) is here, reader
        assert (QUEUE in page(client, other)) is elsewhere, reader
    space.moderators.remove(coordinator)
    client.force_login(coordinator)
    assert QUEUE not in page(client, space)  # at once
