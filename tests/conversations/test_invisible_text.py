"""A private message (or a subject) made only of invisible characters is empty: refused, the text kept."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from comcep.conversations import services
from comcep.conversations.models import Conversation

pytestmark = pytest.mark.django_db

INVISIBLE = ["\u200b", "\u200c\u200d", "\u2060 \ufeff", "\u00a0\u00a0\n\u200b"]


@pytest.mark.parametrize("body", INVISIBLE)
def test_an_invisible_reply_is_refused(client, conversation, bruno, body):
    client.force_login(bruno)
    response = client.post(reverse("conversations:reply", args=[conversation.pk]), {"body": body})
    assert response.status_code == 400
    assert "Écrivez votre message." in response.content.decode()
    assert conversation.messages.count() == 1
    with pytest.raises(ValidationError) as refused:
        services.add_message(conversation=conversation, author=bruno, body=body)
    assert refused.value.message_dict["body"] == ["Le message ne peut pas être vide."]


@pytest.mark.parametrize("body", INVISIBLE)
def test_an_invisible_first_message_is_refused(client, alice, bruno, body):
    client.force_login(alice)
    response = client.post("/messages/nouveau/", {"recipients": [bruno.pk], "subject": "\u200b\u200b\u200b",
                                                  "body": body})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Le message ne peut pas être vide." in html
    assert "Le sujet doit compter au moins 3 caractères." in html
    assert not Conversation.objects.exists()
