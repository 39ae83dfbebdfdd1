"""Moderation in the Wagtail admin."""

import pytest

from forums.enums import ModerationAction
from forums.models import Flag, ModerationLog
from tests.factories import UserFactory
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db


def test_moderator_sees_the_queue_and_handles_a_flag(client, moderator, space):
    thread = make_thread(space=space, replies=1)
    reply = thread.posts.last()
    Flag.objects.create(post=reply, reporter=UserFactory(), reason="spam", comment="Publicité")
    client.force_login(moderator)
    response = client.get("/admin/echanges/moderation/")
    assert response.status_code == 200
    assert "Publicité" in response.content.decode()
    response = client.post("/admin/echanges/moderation/", {"action": "hide", "post": reply.pk, "reason": "Spam"})
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.is_hidden
    assert ModerationLog.objects.filter(action=ModerationAction.HIDE_POST, post=reply, actor=moderator).exists()
    assert not Flag.objects.filter(status="open").exists()


def test_member_cannot_open_the_queue(client, member):
    client.force_login(member)
    assert client.get("/admin/echanges/moderation/").status_code in (302, 403)


@pytest.mark.parametrize("url", ["/admin/echanges/espaces/", "/admin/echanges/sujets/", "/admin/echanges/journal/",
                                 "/admin/echanges/suspensions/"])
def test_moderator_admin_listings(client, moderator, space, url):
    make_thread(space=space, replies=1)
    client.force_login(moderator)
    assert client.get(url).status_code == 200


def test_moderators_cannot_create_spaces_but_administrators_can(client, moderator, admin_user):
    client.force_login(moderator)
    assert client.get("/admin/echanges/espaces/new/").status_code in (302, 403)
    client.force_login(admin_user)
    response = client.post("/admin/echanges/espaces/new/", {
        "title": "Bilan de compétences", "slug": "bilan", "description": "", "visibility": "members",
        "sort_order": 0})
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post("/admin/echanges/espaces/new/", {
        "title": "Réservé", "slug": "discuter", "visibility": "members", "sort_order": 0})
    assert response.status_code == 200  # reserved slug refused with a form error


def test_admin_thread_edit_moves_and_locks_through_the_services(client, moderator, space):
    from tests.factories.forums import SpaceFactory

    other = SpaceFactory(slug="cpf", title="CPF")
    thread = make_thread(space=space, replies=2)
    client.force_login(moderator)
    response = client.post(f"/admin/echanges/sujets/edit/{thread.pk}/", {
        "space": other.pk, "is_locked": "on", "reason": "Mieux rangé"})
    assert response.status_code == 302, response.content.decode()[:3000]
    thread.refresh_from_db()
    space.refresh_from_db()
    other.refresh_from_db()
    assert thread.space == other and thread.is_locked
    assert (space.thread_count, space.post_count) == (0, 0)
    assert (other.thread_count, other.post_count) == (1, 3)
    actions = set(ModerationLog.objects.values_list("action", flat=True))
    assert {ModerationAction.MOVE_THREAD, ModerationAction.LOCK_THREAD} <= actions


def test_admin_suspension_is_logged(client, moderator, member):
    client.force_login(moderator)
    response = client.post("/admin/echanges/suspensions/new/", {"user": member.pk, "reason": "Propos injurieux"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ModerationLog.objects.filter(action=ModerationAction.SUSPEND_MEMBER, member=member).exists()


def test_admin_lifts_a_suspension_with_a_log_entry(client, moderator, member):
    from forums import services
    from forums.models import MemberSanction

    sanction = services.suspend_member(member=member, moderator=moderator, reason="Spam")
    client.force_login(moderator)
    response = client.post(f"/admin/echanges/suspensions/edit/{sanction.pk}/", {"lift": "on", "lift_reason": "OK"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not MemberSanction.objects.active().filter(user=member).exists()
    assert ModerationLog.objects.filter(action=ModerationAction.UNSUSPEND_MEMBER, member=member).exists()


@pytest.mark.parametrize("url", ["/admin/echanges/espaces/", "/admin/echanges/suspensions/",
                                 "/admin/groupes-regionaux/"])
def test_administrators_get_listings_without_a_delete_action(client, admin_user, space, url):
    """These viewsets archive or lift instead of deleting: no delete URL, so no delete button either
    (a superuser used to get a 500: Wagtail built a button for a URL that does not exist)."""
    from forums.models import MemberSanction
    from tests.factories import UserFactory

    MemberSanction.objects.create(user=UserFactory(), reason="Spam répété", created_by=admin_user)
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 200
    assert "/delete/" not in response.content.decode()
    assert client.get(f"/admin/echanges/espaces/edit/{space.pk}/").status_code == 200
