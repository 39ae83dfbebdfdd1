"""The ``conversations`` section of comcep-content/1: import only (private correspondence is not
content), idempotent, all or nothing with the path of the bad field."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from comcep.conversations.models import Conversation, Message, Participant
from comcep.core import exchange

pytestmark = pytest.mark.django_db

DEMO = Path(settings.BASE_DIR) / "comcep" / "core" / "demo"


def _doc(conversations, members=()):
    return {"format": exchange.FORMAT, "members": list(members), "conversations": conversations}


def test_demo_conversations_reach_the_demo_member(client):
    call_command("setup_demo", str(DEMO / "10-communaute.json"), str(DEMO / "60-messages.json"), "--force")
    marie = Participant.objects.filter(user__email="membre@demo.comcep.example.fr")
    assert marie.count() == 3
    assert Conversation.objects.get(subject__startswith="Orientation").message_count == 3
    client.force_login(marie.first().user)
    inbox = client.get("/messages/").content.decode()
    assert "Préparation de la rencontre régionale" in inbox and "Non lu" in inbox
    # Re-importing changes nothing; exporting never contains conversations.
    ctx = exchange.import_content(json.loads((DEMO / "60-messages.json").read_text()))
    assert dict(ctx.counts["conversations"]) == {"unchanged": 3}
    assert Message.objects.count() == 7
    assert exchange.export_content()["conversations"] == []


def test_invalid_conversations_are_reported_with_their_path(member):
    bad = _doc([
        {"subject": "Sujet", "participants": [member.email], "messages": []},
        {"subject": "Autre", "participants": [member.email, "inconnu@example.fr"],
         "messages": [{"author": "intrus@example.fr", "body": "x", "created_at": "2026-01-01"}]},
    ])
    with pytest.raises(exchange.ContentImportError) as error:
        exchange.import_content(bad)
    paths = [path for path, _message in error.value.errors]
    assert "conversations[0].participants" in paths
    assert "conversations[0].messages" in paths
    assert "conversations[1].participants[1]" in paths
    assert "conversations[1].messages[0].author" in paths
    assert "conversations[1].messages[0].created_at" in paths
    assert not Conversation.objects.exists()
