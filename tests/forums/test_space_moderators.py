"""Space-level moderators (``Space.moderators``): they moderate inside their space only;
global actions (move, suspend, admin queue) stay with the "Modérateurs" group."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from forums import services
from forums.models import Post, Thread
from forums.permissions import can_moderate
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def animator(db, space):
    user = UserFactory(display_name="Animatrice VAE")
    space.moderators.add(user)
    return user


def test_can_moderate_is_limited_to_the_space_and_to_approved_accounts(animator, space, moderator, member):
    other = SpaceFactory(slug="cpf")
    assert can_moderate(animator, space) and can_moderate(animator, space.pk)
    assert not can_moderate(animator, other) and not can_moderate(member, space)
    assert can_moderate(moderator, other)
    animator.status = "rejected"
    animator.save()
    assert not can_moderate(animator, space)


def test_a_space_moderator_sees_and_approves_posts_awaiting_review_in_their_space(client, animator, space, member):
    with override_settings(FORUMS_NEW_MEMBER_DAYS=30):
        newcomer = UserFactory(display_name="Nouveau")
        thread = make_thread(space=space, author=newcomer, title="Question d'un nouveau membre")
    assert thread.needs_approval
    assert Thread.objects.visible_to(animator).filter(pk=thread.pk).exists()
    assert not Thread.objects.visible_to(member).filter(pk=thread.pk).exists()
    client.force_login(animator)
    queue = client.get(f"/echanges/{space.slug}/moderation/").content.decode()
    assert "Question d&#x27;un nouveau membre" in queue
    post = thread.posts.get()
    client.post(f"/echanges/{space.slug}/moderation/", {"action": "valider", "post": post.pk})
    post.refresh_from_db()
    assert not post.needs_approval and Thread.objects.visible_to(member).filter(pk=thread.pk).exists()


def test_a_space_moderator_posts_without_review_and_replies_in_locked_threads(animator, space, member):
    with override_settings(FORUMS_NEW_MEMBER_DAYS=30):
        thread = make_thread(space=space, author=animator, title="Annonce de l'animatrice")
        assert not thread.needs_approval
        services.lock_thread(thread=thread, moderator=animator)
        post = services.add_reply(thread=thread, author=animator, body="Précision après verrouillage.")
    assert not post.needs_approval
    with pytest.raises(PermissionDenied):
        services.add_reply(thread=thread, author=member, body="Et moi ?")


def test_a_space_moderator_edits_others_posts_there_but_not_global_actions(animator, space, member, moderator):
    thread = make_thread(space=space, author=member, title="Question d'un membre")
    post = thread.posts.get()
    assert services.can_edit(animator, post)
    services.edit_post(post=post, editor=animator, body="Texte corrigé par l'animation.")
    assert Post.objects.get(pk=post.pk).body == "Texte corrigé par l'animation."
    with pytest.raises(PermissionDenied):
        services.move_thread(thread=thread, space=SpaceFactory(slug="autre"), moderator=animator)
    with pytest.raises(PermissionDenied):
        services.suspend_member(member=member, moderator=animator, reason="x")
    elsewhere = make_thread(space=SpaceFactory(slug="ailleurs"), author=member, title="Ailleurs")
    assert not services.can_edit(animator, elsewhere.posts.get())
    with pytest.raises(PermissionDenied):
        services.pin_thread(thread=elsewhere, moderator=animator)


def test_the_admin_queue_stays_closed_to_space_moderators(client, animator):
    client.force_login(animator)
    assert client.get("/admin/echanges/moderation/").status_code in (302, 403)
    assert client.get(f"/echanges/membre/{animator.pk}/suspendre/").status_code == 403


def test_a_space_moderator_enters_a_restricted_space_outside_their_groups(client, member):
    from django.contrib.auth.models import Group

    from forums.search import reader_tokens

    restricted = SpaceFactory(slug="reserve", title="Réservé", groups=[Group.objects.create(name="Cercle")])
    client.force_login(member)
    assert client.get(restricted.get_absolute_url()).status_code == 404
    restricted.moderators.add(member)
    assert client.get(restricted.get_absolute_url()).status_code == 200
    assert f"space:{restricted.pk}" in reader_tokens(member)


def test_a_space_moderator_outside_its_groups_is_told_of_what_they_may_read_there(member):
    """They enter the restricted space and see its threads, those awaiting review included: the announcements
    (which read who may read a thread when they are sent) reach them too."""
    from django.contrib.auth.models import Group

    circle = Group.objects.create(name="Cercle")
    restricted = SpaceFactory(slug="reserve", title="Réservé", groups=[circle])
    restricted.moderators.add(member)
    outsider = UserFactory(display_name="Hors cercle")
    insider = UserFactory(display_name="Du cercle")
    insider.groups.add(circle)
    thread = make_thread(space=restricted, author=insider, title="Question du cercle")
    assert services.readers_among(thread, [member.pk, outsider.pk, insider.pk]) == sorted([member.pk, insider.pk])
    with override_settings(FORUMS_NEW_MEMBER_DAYS=30):
        newcomer = UserFactory(display_name="Nouveau")
        newcomer.groups.add(circle)
        waiting = make_thread(space=restricted, author=newcomer, title="En attente")
    assert waiting.needs_approval
    assert services.readers_among(waiting, [member.pk, outsider.pk, insider.pk]) == [member.pk]
