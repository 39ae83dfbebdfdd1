"""Who may open a conversation: only its current participants. Anyone else gets a 404
(never the content), moderators included; visitors go to the login page; pending members get
the same explanation as in the forums."""

import pytest
from django.test import Client
from django.urls import reverse

from comcep.conversations import services
from comcep.conversations.models import Participant
from tests.factories import PendingUserFactory

from .conftest import start

pytestmark = pytest.mark.django_db

SECRET = "secret partagé"


def _urls(conversation):
    message = conversation.last_message
    return [conversation.get_absolute_url(), reverse("conversations:leave", args=[conversation.pk]),
            reverse("conversations:report", args=[message.pk])]


def test_visitor_is_sent_to_login(client, conversation):
    for url in ["/messages/", "/messages/nouveau/", *_urls(conversation)]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/comptes/login/"), url
    response = client.post(reverse("conversations:reply", args=[conversation.pk]), {"body": "Coucou"})
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    assert conversation.messages.count() == 1


def test_pending_member_gets_the_members_only_page(client, conversation):
    client.force_login(PendingUserFactory())
    for url in ["/messages/", "/messages/nouveau/", conversation.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 403
        body = response.content.decode()
        assert "réservés aux membres dont l'adhésion a été validée" in body
        assert SECRET not in body


def test_a_refused_member_is_not_promised_an_approval_email(client):
    from comcep.accounts.enums import MembershipStatus
    from tests.factories import UserFactory

    client.force_login(UserFactory(status=MembershipStatus.REJECTED, rejection_reason="Structure hors CEP."))
    response = client.get("/messages/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "réservés aux membres dont l'adhésion a été validée" in body and "/mon-espace/en-attente/" in body
    assert "pas encore validé" not in body and "vous recevrez un e-mail" not in body


def test_participants_read_the_conversation(client, conversation, alice, bruno):
    for user in (alice, bruno):
        client.force_login(user)
        response = client.get(conversation.get_absolute_url())
        assert response.status_code == 200
        assert "<strong>secret partagé</strong>" in response.content.decode()


def test_non_participant_gets_404_everywhere(client, conversation, chloe):
    client.force_login(chloe)
    for url in _urls(conversation):
        response = client.get(url)
        assert response.status_code == 404, url
        assert SECRET not in response.content.decode()
    assert client.post(reverse("conversations:reply", args=[conversation.pk]), {"body": "Intrusion"}).status_code == 404
    assert client.post(reverse("conversations:leave", args=[conversation.pk])).status_code == 404
    assert conversation.messages.count() == 1
    assert "Atelier CV" not in client.get("/messages/").content.decode()


def test_moderator_who_is_not_a_participant_gets_404(client, conversation, moderator):
    client.force_login(moderator)
    for url in _urls(conversation):
        response = client.get(url)
        assert response.status_code == 404, url
        assert SECRET not in response.content.decode()


def test_moderator_who_is_a_participant_reads_it(client, alice, moderator):
    conversation = start(alice, [moderator], body="Question pour l équipe")
    client.force_login(moderator)
    assert "Question pour l équipe" in client.get(conversation.get_absolute_url()).content.decode()


def test_left_participant_gets_404_and_no_more_notifications(client, conversation, alice, bruno,
                                                             django_capture_on_commit_callbacks):
    client.force_login(bruno)
    response = client.post(reverse("conversations:leave", args=[conversation.pk]))
    assert response.status_code == 302 and response["Location"] == "/messages/"
    assert Participant.objects.get(conversation=conversation, user=bruno).left_at is not None
    assert client.get(conversation.get_absolute_url()).status_code == 404
    assert "Atelier CV" not in client.get("/messages/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_message(conversation=conversation, author=alice, body="Tu es parti ?")
    from comcep.notifications.models import Notification

    assert not Notification.objects.filter(recipient=bruno, kind="message").exists()
    # Alice still sees that Bruno left.
    client.force_login(alice)
    assert "a quitté la conversation" in client.get(conversation.get_absolute_url()).content.decode()


def test_blocked_member_cannot_start_a_conversation_with_the_blocker(client, conversation, alice, bruno):
    client.force_login(bruno)
    response = client.post(reverse("conversations:block", args=[alice.pk]), {"retour": conversation.pk})
    assert response.status_code == 302
    client.force_login(alice)
    response = client.post("/messages/nouveau/", {"recipients": [bruno.pk], "subject": "Encore moi",
                                                  "body": "Tu me réponds ?"})
    assert response.status_code == 400
    assert "ne peut pas recevoir vos messages" in response.content.decode()
    assert not alice.conversation_participations.filter(conversation__subject="Encore moi").exists()


def test_blocked_member_no_longer_reaches_the_blocker(client, alice, bruno, chloe,
                                                      django_capture_on_commit_callbacks):
    from comcep.notifications.models import Notification

    group = start(alice, [bruno, chloe], subject="Réseau régional")
    services.block(blocker=bruno, blocked=alice)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_message(conversation=group, author=alice, body="Message après le blocage")
    assert list(Notification.objects.filter(kind="message").values_list("recipient_id", flat=True)) == [chloe.pk]
    client.force_login(bruno)
    page = client.get(group.get_absolute_url()).content.decode()
    assert "Message après le blocage" not in page
    assert "Bonjour, une question rapide." in page  # what Alice wrote before the block stays
    assert "Non lu" not in client.get("/messages/").content.decode()  # nothing new for Bruno
    client.force_login(chloe)
    assert "Message après le blocage" in client.get(group.get_absolute_url()).content.decode()


def test_the_inbox_shows_a_last_message_written_before_the_block(client, conversation, alice, bruno):
    """What a blocked member wrote before the block stays readable on the conversation page: the inbox
    shows its excerpt too, and hides only what was written after the block."""
    services.block(blocker=bruno, blocked=alice)
    client.force_login(bruno)
    inbox = client.get("/messages/").content.decode()
    assert "secret partagé" in inbox and "que vous avez bloqué" not in inbox

    services.add_message(conversation=conversation, author=alice, body="Message après le blocage")
    inbox = client.get("/messages/").content.decode()
    assert "Message après le blocage" not in inbox and "que vous avez bloqué" in inbox


def test_unblock_from_mon_espace(client, conversation, alice, bruno):
    services.block(blocker=bruno, blocked=alice)
    client.force_login(bruno)
    dashboard = client.get("/mon-espace/").content.decode()
    assert "Membres bloqués" in dashboard and "Alice Martin" in dashboard
    response = client.post(reverse("conversations:unblock", args=[alice.pk]))
    assert response.status_code == 302 and response["Location"] == "/mon-espace/"
    assert not bruno.conversation_blocks.exists()
    assert start(alice, [bruno]).pk


def test_block_needs_a_shared_conversation(client, alice, chloe):
    client.force_login(alice)
    assert client.get(reverse("conversations:block", args=[chloe.pk])).status_code == 404
    assert client.post(reverse("conversations:block", args=[chloe.pk])).status_code == 404


def test_every_post_needs_the_csrf_token(conversation, bruno):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bruno)
    for url, data in [(reverse("conversations:reply", args=[conversation.pk]), {"body": "Sans jeton"}),
                      (reverse("conversations:leave", args=[conversation.pk]), {}),
                      ("/messages/nouveau/", {"subject": "Sans jeton", "body": "x"})]:
        assert client.post(url, data).status_code == 403, url
    assert conversation.messages.count() == 1


def test_bad_input_is_never_a_500(client, conversation, bruno):
    client.force_login(bruno)
    assert client.get("/messages/?page=abc").status_code == 200
    assert client.get(conversation.get_absolute_url() + "?page=999").status_code == 200
    assert client.get("/messages/nouveau/?a=abc&a=999999").status_code == 200
    response = client.post("/messages/nouveau/", {"recipients": ["abc", "99999"], "subject": "x" * 500, "body": ""})
    assert response.status_code == 400
    assert client.get(reverse("conversations:report", args=[999999])).status_code == 404


def test_header_link_and_admin_menu_follow_the_role(client, alice, moderator, pending_member):
    client.force_login(alice)
    assert '<a href="/messages/"' in client.get("/ressources/").content.decode()
    client.force_login(pending_member)
    assert '<a href="/messages/"' not in client.get("/ressources/").content.decode()
    client.logout()
    assert '<a href="/messages/"' not in client.get("/ressources/").content.decode()
    client.force_login(moderator)
    assert "/admin/messages/signalements/" in client.get("/admin/").content.decode()
