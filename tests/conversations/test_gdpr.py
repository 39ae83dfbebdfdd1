"""GDPR: the export holds my conversations and the messages I wrote; deleting my account keeps
my messages for the others, signed "Membre supprimé"."""

import json

import pytest

from comcep.accounts import services as account_services
from comcep.conversations import services
from comcep.conversations.models import Block, Participant

pytestmark = pytest.mark.django_db


def test_export_contains_my_conversations_and_my_messages(client, conversation, alice, bruno):
    services.add_message(conversation=conversation, author=bruno, body="Réponse de Bruno")
    services.block(blocker=alice, blocked=bruno)
    client.force_login(alice)
    response = client.post("/mon-espace/mes-donnees/")
    data = json.loads(b"".join(response.streaming_content) if response.streaming else response.content)
    mine = data["conversations"]
    assert [c["subject"] for c in mine["conversations"]] == ["Atelier CV à Lyon"]
    assert mine["conversations"][0]["with"] == ["Bruno Leroy"]
    assert [m["body"] for m in mine["messages"]] == [conversation.messages.first().body]
    assert "Réponse de Bruno" not in json.dumps(mine)  # others' messages are their data
    assert mine["blocked_members"][0]["member"] == "Bruno Leroy"


def test_deleted_account_is_anonymised(client, conversation, alice, bruno):
    services.block(blocker=alice, blocked=bruno)
    account_services.delete_account(alice)
    assert Participant.objects.get(conversation=conversation, user=alice).left_at is not None
    assert not Block.objects.exists()
    client.force_login(bruno)
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert "Membre supprimé" in page and "secret partagé" in page and "Alice Martin" not in page
    # A deleted account is told nothing any more.
    reply = services.add_message(conversation=conversation, author=bruno, body="Encore là ?")
    assert services.recipients_of(reply) == []
