"""The inbox counts what the member sees: the messages a member they blocked wrote after the block reach them
neither in the conversation nor in the inbox's counts (messages per conversation, unread conversations)."""

import re

import pytest

from comcep.conversations import services
from comcep.conversations.views import CONVERSATIONS_PER_PAGE

from .conftest import start

pytestmark = pytest.mark.django_db


def inbox_counts(html):
    return [int(n) for n in re.findall(r"(\d+) messages?\b", html)]


def test_the_inbox_counts_only_the_messages_the_member_sees(client, alice, bruno, chloe):
    conversation = start(alice, [bruno, chloe], subject="Atelier commun")
    services.add_message(conversation=conversation, author=chloe, body="Avant le blocage")
    client.force_login(bruno)
    client.get(conversation.get_absolute_url())  # read
    services.block(blocker=bruno, blocked=chloe)
    services.add_message(conversation=conversation, author=chloe, body="Après le blocage")
    services.add_message(conversation=conversation, author=chloe, body="Encore après")
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert "Avant le blocage" in page and "Après le blocage" not in page and "Encore après" not in page
    inbox = client.get("/messages/").content.decode()
    assert inbox_counts(inbox) == [2]  # Alice's first message and Chloé's before the block
    assert "Aucune conversation non lue." in inbox
    assert services.unread_count(bruno) == 0
    client.force_login(alice)  # the others count every message
    assert inbox_counts(client.get("/messages/").content.decode()) == [4]


def test_the_inbox_queries_stay_constant_with_blocks(client, alice, bruno, chloe, django_assert_max_num_queries):
    services.block(blocker=alice, blocked=chloe)
    for i in range(CONVERSATIONS_PER_PAGE + 2):
        conversation = start(bruno, [alice, chloe], subject=f"Sujet {i}")
        services.add_message(conversation=conversation, author=chloe, body="Caché pour Alice")
    client.force_login(alice)
    client.get("/messages/")
    with django_assert_max_num_queries(15):
        response = client.get("/messages/")
    assert inbox_counts(response.content.decode()) == [1] * CONVERSATIONS_PER_PAGE
