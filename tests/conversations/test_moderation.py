"""Reports: a participant reports a message; moderators see only that message in the admin
(never the rest of the conversation) and remove it or dismiss the report."""

import pytest
from django.urls import reverse

from comcep.conversations import services
from comcep.conversations.enums import ReportStatus
from comcep.conversations.models import Report
from comcep.notifications.models import Notification

pytestmark = pytest.mark.django_db

QUEUE = "/admin/messages/signalements/"


@pytest.fixture
def reported(conversation, alice, bruno, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.add_message(conversation=conversation, author=alice, body="Propos **déplacés** envers Bruno")
    message = conversation.messages.latest("created_at")
    return services.report(message=message, reporter=bruno, reason="abuse", comment="Insultant")


def test_participant_reports_a_message(client, conversation, alice, bruno):
    message = conversation.last_message
    client.force_login(bruno)
    url = reverse("conversations:report", args=[message.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "Choisissez un motif." in response.content.decode()
    response = client.post(url, {"reason": "spam", "comment": "Publicité"})
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.message, report.reporter, report.reason, report.status) == (message, bruno, "spam", "open")
    # One's own message cannot be reported.
    client.force_login(alice)
    assert client.get(url).status_code == 403


def test_queue_shows_only_the_reported_message(client, reported, moderator):
    client.force_login(moderator)
    response = client.get(QUEUE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>déplacés</strong>" in page and "Alice Martin" in page  # the message and its author
    assert "Bruno Leroy" in page and "Insultant" in page and "injurieux" in page  # reporter and reason
    assert "secret partagé" not in page  # the other message of the conversation
    assert "Atelier CV à Lyon" not in page  # nor its subject
    # ...and the moderator still cannot open the conversation.
    assert client.get(reported.message.conversation.get_absolute_url()).status_code == 404


def test_moderator_removes_the_message(client, reported, alice, moderator):
    assert Notification.objects.filter(kind="message", target_id=str(reported.message_id)).exists()
    client.force_login(moderator)
    response = client.post(QUEUE, {"report": reported.pk, "action": "remove"})
    assert response.status_code == 302
    reported.refresh_from_db()
    reported.message.refresh_from_db()
    assert reported.status == ReportStatus.REMOVED and reported.handled_by == moderator
    assert reported.message.is_removed and reported.message.removed_by == moderator
    assert not Notification.objects.filter(kind="message", target_id=str(reported.message_id)).exists()
    assert "Aucun signalement à traiter" in client.get(QUEUE).content.decode()


def test_moderator_dismisses_the_report(client, reported, moderator):
    client.force_login(moderator)
    client.post(QUEUE, {"report": reported.pk, "action": "dismiss"})
    reported.refresh_from_db()
    assert reported.status == ReportStatus.DISMISSED and not reported.message.is_removed
    assert client.post(QUEUE, {"report": "abc", "action": "dismiss"}).status_code == 404


def test_members_cannot_use_the_queue(client, reported, bruno):
    client.force_login(bruno)
    response = client.get(QUEUE)
    assert response.status_code in (302, 403)
    assert "déplacés" not in response.content.decode()
    client.post(QUEUE, {"report": reported.pk, "action": "remove"})
    reported.message.refresh_from_db()
    assert not reported.message.is_removed
