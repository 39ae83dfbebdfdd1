"""The inbox and a conversation page run a constant number of queries (at most 15), whatever
the number of conversations, participants and messages."""

import pytest

from comcep.conversations import services
from tests.factories import UserFactory

from .conftest import start

pytestmark = pytest.mark.django_db

MAX_QUERIES = 15


def _fill(reader, conversations: int, messages: int):
    last = None
    for i in range(conversations):
        others = UserFactory.create_batch(2)
        last = start(others[0], [reader, others[1]], subject=f"Conversation {i}")
        for j in range(messages):
            services.add_message(conversation=last, author=others[j % 2], body=f"Message **{j}**")
    return last


@pytest.mark.parametrize("size", [(1, 1), (12, 6)])
def test_inbox_queries_are_constant(client, alice, size, django_assert_max_num_queries):
    _fill(alice, *size)
    client.force_login(alice)
    client.get("/messages/")  # warm caches (session, content types)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get("/messages/")
    assert response.status_code == 200


@pytest.mark.parametrize("messages", [1, 40])
def test_conversation_page_queries_are_constant(client, alice, messages, django_assert_max_num_queries):
    conversation = _fill(alice, 1, messages)
    client.force_login(alice)
    client.get(conversation.get_absolute_url())
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(conversation.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="post') >= min(messages, 30)


@pytest.mark.parametrize("blocks", [0, 3])
def test_mon_espace_panel_is_one_query(client, alice, blocks, django_assert_num_queries):
    from django.test import RequestFactory

    from comcep.conversations.views import panel_context

    _fill(alice, 3, 2)
    for other in UserFactory.create_batch(blocks, display_name="Membre Bloqué"):
        services.block(blocker=alice, blocked=other)
    request = RequestFactory().get("/mon-espace/")
    request.user = alice
    with django_assert_num_queries(1):
        context = panel_context(request)
    assert context["unread_count"] == 3
    assert [b.blocked.public_name for b in context["blocks"]] == ["Membre Bloqué"] * blocks
