"""A coordinator's announcement: a pinned thread of the group space, and a notification (with
e-mail) to every active member of the group — nobody else."""

import pytest
from django.core import mail

from comcep.groups import services
from comcep.notifications.services import set_preferences
from forums import services as forum_services
from forums.models import Thread
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_announcement_reaches_every_active_member_by_email_and_no_one_else(
    client, coordinator, insider, group, other_group, outsider, member, moderator, django_capture_on_commit_callbacks
):
    second = UserFactory(display_name="Second membre")
    services.ensure_active(group=group, user=second)
    forum_services.follow(second, space=group.space)  # a follower gets ONE notification, not two
    requester, invited = UserFactory(), UserFactory()
    services.request_join(group=group, user=requester)
    services.invite(group=group, by=coordinator, user=invited)
    mail.outbox.clear()

    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/groupes/{group.slug}/annonce/", {
            "title": "Rencontre régionale du 12 juin", "body": "Rendez-vous à **Lyon**, salle 3."})
    thread = Thread.objects.get(title="Rencontre régionale du 12 juin")
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    assert thread.space_id == group.space_id and thread.is_pinned and not thread.needs_approval
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([insider.email, second.email])
    assert all("Rencontre régionale du 12 juin" in m.subject for m in mail.outbox)
    for user in (coordinator, requester, invited, outsider, member, moderator):
        assert user.email not in recipients


def test_announcement_respects_preferences(coordinator, insider, group, django_capture_on_commit_callbacks):
    set_preferences(insider, {"annonce-groupe": "never"})
    with django_capture_on_commit_callbacks(execute=True):
        services.post_announcement(group=group, author=coordinator, title="Annonce sans e-mail", body="Texte.")
    assert mail.outbox == []
    assert insider.notifications.filter(kind="annonce-groupe").count() == 1


def test_announcement_form_errors_are_french_and_next_to_fields(client, coordinator, group):
    client.force_login(coordinator)
    response = client.post(f"/groupes/{group.slug}/annonce/", {"title": "Bon", "body": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Champ requis." in html and 'id="id_body_error"' in html and "au moins 5 caractères" in html
    assert 'aria-describedby="id_title_error"' in html
    assert not Thread.objects.filter(space=group.space).exists()


def test_members_cannot_post_announcements(insider, group):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.post_announcement(group=group, author=insider, title="Fausse annonce", body="x")


def test_an_announcement_sent_twice_is_published_and_announced_once(
    coordinator, insider, group, django_capture_on_commit_callbacks
):
    """A double click or the browser's "resend": the second one returns the announcement already there, with no
    second pin in the moderation log and no second notification."""
    from forums.models import ModerationLog

    for _attempt in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            thread = services.post_announcement(group=group, author=coordinator, title="Réunion du réseau",
                                                body="Jeudi à 14 h, en visio.")
    assert Thread.objects.filter(space=group.space, title="Réunion du réseau").count() == 1
    assert ModerationLog.objects.filter(thread=thread).count() == 1
    assert insider.notifications.filter(kind="annonce-groupe").count() == 1
    assert len(mail.outbox) == 1
