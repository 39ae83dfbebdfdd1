"""Starting a conversation, replying, reading: what members see, the notifications and e-mails
they get, and the limits (size, recipients, rate for new members)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from comcep.conversations import services
from comcep.conversations.models import Conversation, Message
from comcep.directory.models import DirectoryProfile
from comcep.notifications.models import Notification
from tests.factories import PendingUserFactory, UserFactory

from .conftest import start

pytestmark = pytest.mark.django_db


def test_member_starts_a_conversation_from_the_form(client, alice, bruno, chloe, django_capture_on_commit_callbacks):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/messages/nouveau/", {
            "recipients": [bruno.pk, chloe.pk], "subject": "  Réunion   du réseau ",
            "body": "Bonjour à tous,\n\n<script>alert(1)</script> **ordre du jour** [lien](javascript:alert(1))"})
    conversation = Conversation.objects.get()
    assert response.status_code == 302 and response["Location"] == conversation.get_absolute_url()
    assert conversation.subject == "Réunion du réseau"
    assert conversation.message_count == 1 and conversation.last_message.author == alice
    message = conversation.last_message
    assert "<strong>ordre du jour</strong>" in message.html
    assert "<script" not in message.html and "&lt;script&gt;" in message.html
    assert 'href="javascript' not in message.html
    assert sorted(conversation.participants.values_list("user_id", flat=True)) == sorted([alice.pk, bruno.pk, chloe.pk])
    # Both recipients are notified (in the site and by e-mail, kind "message"), not the author.
    notified = Notification.objects.filter(kind="message")
    assert sorted(notified.values_list("recipient_id", flat=True)) == sorted([bruno.pk, chloe.pk])
    assert notified.first().title == "Alice Martin vous a écrit : « Réunion du réseau »"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([bruno.email, chloe.email])
    assert "Réunion du réseau" in mail.outbox[0].subject + mail.outbox[0].body


def test_reply_notifies_the_other_participants_once(client, conversation, alice, bruno,
                                                    django_capture_on_commit_callbacks):
    mail.outbox.clear()
    Notification.objects.all().delete()
    client.force_login(bruno)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("conversations:reply", args=[conversation.pk]), {"body": "Oui, avec plaisir !"})
    message = Message.objects.latest("created_at")
    assert response.status_code == 302 and response["Location"].endswith(f"#message-{message.pk}")
    conversation.refresh_from_db()
    assert conversation.message_count == 2 and conversation.last_message == message
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [(alice.pk, "message")]
    assert [m.to for m in mail.outbox] == [[alice.email]]
    assert "Oui, avec plaisir" in mail.outbox[0].body


def test_notifications_follow_the_members_preferences(conversation, alice, bruno, django_capture_on_commit_callbacks):
    from comcep.notifications.services import set_preferences

    set_preferences(alice, {"message": "daily"})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_message(conversation=conversation, author=bruno, body="Réponse pour le résumé")
    assert mail.outbox == []  # waits for the daily digest
    assert Notification.objects.get(recipient=alice, kind="message").delivery == "daily"


def test_inbox_marks_unread_conversations_in_text(client, conversation, alice, bruno):
    client.force_login(bruno)
    inbox = client.get("/messages/").content.decode()
    assert "Non lu" in inbox and "1 conversation non lue" in inbox and "Atelier CV à Lyon" in inbox
    client.get(conversation.get_absolute_url())
    inbox = client.get("/messages/").content.decode()
    assert "Non lu" not in inbox and "Aucune conversation non lue" in inbox
    assert services.unread_count(bruno) == 0
    services.add_message(conversation=conversation, author=alice, body="Relance")
    assert services.unread_count(bruno) == 1
    assert "1 conversation non lue" in client.get("/mon-espace/").content.decode()


def test_inbox_is_ordered_by_latest_activity(client, alice, bruno, chloe):
    old = start(alice, [bruno], subject="Ancienne conversation")
    start(alice, [chloe], subject="Récente conversation")
    services.add_message(conversation=old, author=bruno, body="Je relance l'ancienne")
    client.force_login(alice)
    inbox = client.get("/messages/").content.decode()
    assert inbox.index("Ancienne conversation") < inbox.index("Récente conversation")


def test_recipient_picker_works_without_javascript(client, alice, bruno, chloe):
    client.force_login(alice)
    # Search: the form comes back with the matching members as checkboxes, the draft kept.
    response = client.post("/messages/nouveau/", {"q": "cap emploi", "chercher": "1", "subject": "Brouillon",
                                                  "body": "Texte gardé"})
    body = response.content.decode()
    assert response.status_code == 200
    assert f'value="{chloe.pk}"' in body and "Chloé Durand – Cap emploi 35" in body
    assert f'value="{bruno.pk}"' not in body
    assert "Texte gardé" in body and 'value="Brouillon"' in body
    assert "ne peut pas être vide" not in body  # searching is not submitting


def test_profile_link_prefills_the_recipient(client, alice, bruno):
    DirectoryProfile.objects.create(user=bruno, listed=True)
    client.force_login(alice)
    profile = client.get(f"/annuaire/{bruno.pk}/").content.decode()
    assert f'href="/messages/nouveau/?a={bruno.pk}"' in profile and "Envoyer un message" in profile
    form = client.get(f"/messages/nouveau/?a={bruno.pk}").content.decode()
    assert f'value="{bruno.pk}"' in form and "checked" in form and "Bruno Leroy" in form


def test_pending_and_deleted_members_cannot_be_recipients(client, alice):
    pending = PendingUserFactory(display_name="Paul En Attente")
    client.force_login(alice)
    response = client.post("/messages/nouveau/", {"recipients": [pending.pk], "subject": "Bonjour",
                                                  "body": "Bienvenue"})
    assert response.status_code == 400
    assert not Conversation.objects.exists()
    assert "Paul En Attente" not in client.get(f"/messages/nouveau/?a={pending.pk}").content.decode()


def test_form_errors_are_in_french_next_to_the_fields(client, alice, bruno):
    client.force_login(alice)
    response = client.post("/messages/nouveau/", {"recipients": [], "subject": "", "body": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choisissez au moins un destinataire." in body
    assert "Le sujet doit compter au moins 3 caractères." in body
    assert "Le message ne peut pas être vide." in body
    assert 'aria-describedby="id_subject_error' in body or 'id="id_subject_error"' in body


@override_settings(COMCEP_POST_MAX_LENGTH=100)
def test_too_long_message_keeps_the_draft(client, conversation, bruno):
    client.force_login(bruno)
    response = client.post(reverse("conversations:reply", args=[conversation.pk]), {"body": "a" * 150})
    assert response.status_code == 400
    assert "Le message est trop long (150 caractères, 100 au maximum)." in response.content.decode()
    assert "a" * 150 in response.content.decode()
    assert conversation.messages.count() == 1


@override_settings(CONVERSATIONS_MAX_RECIPIENTS=2)
def test_recipients_are_limited(client, alice):
    others = UserFactory.create_batch(3)
    client.force_login(alice)
    response = client.post("/messages/nouveau/", {"recipients": [u.pk for u in others], "subject": "À tous",
                                                  "body": "Bonjour"})
    assert response.status_code == 400
    assert "Vous pouvez écrire à 2 membres au plus à la fois." in response.content.decode()


@override_settings(CONVERSATIONS_NEW_MEMBER_DAYS=3, CONVERSATIONS_NEW_MEMBER_MESSAGE_RATE="2/10m",
                   CONVERSATIONS_MESSAGE_RATE="1000/1m")
def test_new_members_are_rate_limited(client, bruno):
    newcomer = UserFactory(display_name="Nouvelle Venue", date_joined=timezone.now() - timedelta(hours=2))
    veteran = UserFactory(date_joined=timezone.now() - timedelta(days=30))
    conversation = start(veteran, [newcomer, bruno])
    client.force_login(newcomer)
    url = reverse("conversations:reply", args=[conversation.pk])
    assert client.post(url, {"body": "Un"}).status_code == 302
    assert client.post(url, {"body": "Deux"}).status_code == 302
    response = client.post(url, {"body": "Trois, de trop"})
    assert response.status_code == 400
    assert "attendez quelques minutes" in response.content.decode()
    assert "Trois, de trop" in response.content.decode()
    assert conversation.messages.count() == 3
    # A member past their first days is not held by the newcomers' rate.
    client.force_login(veteran)
    for i in range(4):
        assert client.post(url, {"body": f"Message {i}"}).status_code == 302


def test_removed_message_is_a_placeholder_for_participants(client, conversation, bruno, moderator):
    services.remove_message(message=conversation.last_message, moderator=moderator)
    client.force_login(bruno)
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert "Message retiré par la modération" in page and "secret partagé" not in page
    assert "Message retiré par la modération" in client.get("/messages/").content.decode()


def test_reading_the_conversation_clears_its_notifications(client, conversation, bruno,
                                                           django_capture_on_commit_callbacks):
    from comcep.notifications.services import unread_count

    with django_capture_on_commit_callbacks(execute=True):
        services.add_message(conversation=conversation, author=conversation.created_by, body="Deuxième message")
    assert unread_count(bruno) == 1
    client.force_login(bruno)
    html = client.get(conversation.get_absolute_url()).content.decode()
    assert unread_count(bruno) == 0
    # The bell of that same page no longer counts them (its count is read with the member's row,
    # then forgotten when the page marks notifications read).
    bell = html[html.index('<li class="notifications-bell">'):]
    assert '<span class="badge">' not in bell[:bell.index("</li>")]
