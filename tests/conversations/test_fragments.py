"""A conversation's messages are served from the content-addressed fragment cache
(comcep/core/fragments.py). Each participant sees the page exactly as without the cache: their own
messages as "Vous" without a report link, others' with the author's current name, their own
"Non lu", and a message removed by the moderation disappears at once."""

import re

import pytest

from comcep.conversations import services
from comcep.conversations.models import Message
from comcep.core import fragments

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache_on")]


def article(client, conversation, message) -> str:
    response = client.get(conversation.get_absolute_url())
    assert response.status_code == 200
    match = re.search(rf'<article[^>]*id="message-{message.pk}".*?</article>', response.content.decode(), re.S)
    assert match, f"message {message.pk} not on the page"
    return match.group(0)


def test_messages_are_cached_and_each_participant_sees_their_own_view(client, alice, bruno, conversation):
    message = Message.objects.get(conversation=conversation)
    client.force_login(bruno)
    first = article(client, conversation, message)
    assert "Alice Martin" in first and "Non lu" in first and "Signaler ce message" in first
    assert fragments.cached_count("conversation-message") == 1
    again = article(client, conversation, message)  # now read: another fragment
    assert "Non lu" not in again and "Alice Martin" in again
    client.force_login(alice)
    own = article(client, conversation, message)
    assert "Vous" in own and "Alice Martin" not in own and "Signaler ce message" not in own
    assert "<strong>secret partagé</strong>" in own


def test_a_renamed_author_and_a_removed_message_show_at_once(client, alice, bruno, moderator, conversation):
    message = Message.objects.get(conversation=conversation)
    client.force_login(bruno)
    article(client, conversation, message)
    alice.display_name = "Alice Martin-Roux"
    alice.save()
    assert "Alice Martin-Roux" in article(client, conversation, message)
    services.remove_message(message=message, moderator=moderator)
    removed = article(client, conversation, message)
    assert "Message retiré par la modération" in removed
    assert "secret partagé" not in removed


def _reply_form(html: str) -> str:
    match = re.search(r'<form method="post" action="[^"]*/repondre/".*?</form>', html, re.S)
    assert match, "no reply form"
    return match.group(0)


def test_the_cached_reply_form_posts_to_its_own_conversation(client, alice, bruno, conversation):
    """The reply form is a fragment keyed on the conversation: a key without it would post another
    conversation's replies here. A submitted form with an error is rendered live."""
    other = services.start_conversation(author=alice, recipients=[bruno], subject="Autre sujet",
                                        body="Un autre message.")
    client.force_login(bruno)
    for target in (conversation, other, conversation):
        form = _reply_form(client.get(target.get_absolute_url()).content.decode())
        assert f'action="/messages/{target.pk}/repondre/"' in form
    assert fragments.cached_count("conversation-reply-form") == 2
    response = client.post(f"/messages/{other.pk}/repondre/", {"body": ""})
    assert response.status_code == 400 and "errorlist" in _reply_form(response.content.decode())
