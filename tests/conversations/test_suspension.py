"""A member suspended from the forums reads their conversations but writes no private message (start or
reply) until the suspension ends; the pages say why and until when, and the POSTs are refused too."""

from datetime import timedelta
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from comcep.conversations import services
from comcep.conversations.models import Conversation
from forums import services as forum_services
from tests.factories import ModeratorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def suspended_bruno(bruno):
    until = timezone.now() + timedelta(days=3)
    forum_services.suspend_member(member=bruno, moderator=ModeratorFactory(), reason="Propos déplacés", until=until)
    return bruno, timezone.localtime(until).strftime("%d/%m/%Y %H:%M")


def test_a_suspended_member_reads_but_cannot_reply(client, conversation, suspended_bruno):
    bruno, until = suspended_bruno
    client.force_login(bruno)
    page = client.get(conversation.get_absolute_url())
    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert "secret partagé" in html  # still reads
    assert f"Votre compte est suspendu jusqu'au {until}" in html
    assert f'action="{reverse("conversations:reply", args=[conversation.pk])}"' not in html  # no form
    response = client.post(reverse("conversations:reply", args=[conversation.pk]), {"body": "Je réponds quand même"})
    assert response.status_code == 403
    assert "Je réponds quand même" in response.content.decode()  # what was typed is not lost
    assert conversation.messages.count() == 1
    with pytest.raises(PermissionDenied):
        services.add_message(conversation=conversation, author=bruno, body="Par le service")


def test_a_suspended_member_cannot_start_a_conversation(client, alice, suspended_bruno):
    bruno, until = suspended_bruno
    client.force_login(bruno)
    page = client.get(f"/messages/nouveau/?a={alice.pk}")
    assert page.status_code == 200
    assert f"Votre compte est suspendu jusqu'au {until}" in unescape(page.content.decode())
    assert 'name="body"' not in page.content.decode()
    response = client.post("/messages/nouveau/", {"recipients": [alice.pk], "subject": "Bonjour",
                                                  "body": "Un message"})
    assert response.status_code == 403
    assert not Conversation.objects.filter(created_by=bruno).exists()
    with pytest.raises(PermissionDenied):
        services.start_conversation(author=bruno, recipients=[alice], subject="Bonjour", body="Un message")


def test_writing_comes_back_when_the_suspension_is_lifted(client, conversation, suspended_bruno):
    bruno, _ = suspended_bruno
    forum_services.unsuspend_member(member=bruno, moderator=ModeratorFactory())
    client.force_login(bruno)
    assert "suspendu" not in client.get(conversation.get_absolute_url()).content.decode()
    response = client.post(reverse("conversations:reply", args=[conversation.pk]), {"body": "Me revoilà"})
    assert response.status_code == 302
    assert conversation.messages.count() == 2


def test_a_suspension_without_end_says_so_and_other_members_are_not_affected(client, conversation, alice, bruno):
    forum_services.suspend_member(member=bruno, moderator=ModeratorFactory(), reason="Spam")
    client.force_login(bruno)
    html = unescape(client.get(conversation.get_absolute_url()).content.decode())
    assert "Votre compte est suspendu : vous pouvez lire vos conversations" in html
    client.force_login(alice)
    response = client.post(reverse("conversations:reply", args=[conversation.pk]), {"body": "Toujours là"})
    assert response.status_code == 302
