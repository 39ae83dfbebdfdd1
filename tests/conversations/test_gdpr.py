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


def test_the_whole_export_holds_no_text_of_the_others_messages(client, alice, bruno,
                                                               django_capture_on_commit_callbacks):
    """Others' messages are their data, in every key of the file: the notifications that announced them
    (kind "message") are exported without their excerpt."""
    with django_capture_on_commit_callbacks(execute=True):
        conversation = services.start_conversation(author=bruno, recipients=[alice], subject="Atelier CV à Lyon",
                                                   body="Mon numéro personnel : 06 12 34 56 78")
        services.add_message(conversation=conversation, author=bruno, body="Réponse confidentielle de Bruno")
    assert alice.notifications.filter(kind="message").count() == 2
    client.force_login(alice)
    response = client.post("/mon-espace/mes-donnees/")
    raw = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
    data = json.loads(raw)
    assert "06 12 34 56 78" not in raw and "Réponse confidentielle" not in raw
    exported = data["notifications"]["notifications"]
    assert [n["title"] for n in exported] == ["Bruno Leroy vous a écrit : « Atelier CV à Lyon »",
                                              "Nouveau message de Bruno Leroy dans « Atelier CV à Lyon »"]
    assert {n["excerpt"] for n in exported} == {None}
