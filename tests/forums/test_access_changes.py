"""Who may enter a space changed (its visibility, its groups, its moderators, a member's groups): the
members left outside lose the notifications about its threads and posts (their titles and excerpts quote
them, in the bell, the list and the e-mails and digests still to send), whatever the path of the change:
the Wagtail admin, an import, a command, a service (forums.signals)."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from comcep.accounts.enums import MODERATORS_GROUP
from comcep.notifications.emails import send_digests
from comcep.notifications.enums import Frequency
from comcep.notifications.models import Notification
from comcep.notifications.services import set_preferences
from forums import services
from forums.enums import SpaceVisibility
from forums.models import Post, Space, Thread
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread

pytestmark = pytest.mark.django_db

SECRET = "Madame Durand, née le 3 mai 1980, au RSA"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what is queued on commit by the block (the announce task, the withdrawals of forums.signals)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def author(admin_user):
    """Writes in every space (an administrator): never notified of their own posts."""
    return admin_user


@pytest.fixture
def reader_factory(committed):
    def make(name, *groups):
        user = UserFactory(display_name=name)
        for group in groups:
            user.groups.add(group)
        set_preferences(user, {"new_thread": Frequency.DAILY, "reply": Frequency.DAILY, "mention": Frequency.DAILY})
        return user
    return make


def told_of(space, user):
    """The notifications ``user`` holds about the threads and posts of ``space``."""
    threads = [str(pk) for pk in Thread.objects.filter(space=space).values_list("pk", flat=True)]
    posts = [str(pk) for pk in Post.objects.filter(thread__space=space).values_list("pk", flat=True)]
    of_type = ContentType.objects.get_for_model
    return Notification.objects.filter(recipient=user).filter(
        Q(target_type=of_type(Thread), target_id__in=threads) | Q(target_type=of_type(Post), target_id__in=posts))


def announce_a_thread_to(space, members, author, committed, title="Le dossier de Madame Durand"):
    """Each of ``members`` follows the space and the thread, and is told of a new thread and a reply."""
    for user in members:
        services.follow(user, space=space)
    with committed():
        thread = make_thread(space=space, author=author, title=title, body=SECRET)
    for user in members:
        services.follow(user, thread=thread)
    with committed():
        services.add_reply(thread=thread, author=author, body=f"Suite : {SECRET}", visible=True)
    for user in members:
        assert told_of(space, user).count() == 2, user
    return thread


def space_form(space, **changes):
    data = {"title": space.title, "slug": space.slug, "description": space.description,
            "visibility": space.visibility, "groups": [g.pk for g in space.groups.all()],
            "sort_order": space.sort_order}
    data.update(changes)
    return data


# --- The space's access changed ------------------------------------------------------------


def test_an_open_space_restricted_in_the_admin_withdraws_its_notifications_from_who_may_no_longer_enter(
        client, admin_user, space, region_group, author, moderator, reader_factory, committed):
    outsider = reader_factory("Olivier Dehors")
    insider = reader_factory("Inès Occitanie", region_group)
    coordinator = reader_factory("Coralie Coordinatrice")
    space.moderators.add(coordinator)
    announce_a_thread_to(space, [outsider, insider, coordinator, moderator], author, committed)

    client.force_login(admin_user)
    with committed():
        response = client.post(f"/admin/echanges/espaces/edit/{space.pk}/",
                               space_form(space, visibility=SpaceVisibility.GROUPS, groups=[region_group.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Space.objects.get(pk=space.pk).visibility == SpaceVisibility.GROUPS

    # Olivier may no longer enter: nothing of it in his bell, his list or his next digest.
    assert not told_of(space, outsider).exists()
    client.force_login(outsider)
    assert "Madame Durand" not in client.get("/mon-espace/notifications/").content.decode()
    send_digests(Frequency.DAILY)
    assert not [m for m in mail.outbox if outsider.email in m.to]
    # The group's member, the space's moderator and the moderators keep theirs.
    for user in (insider, coordinator, moderator):
        assert told_of(space, user).count() == 2, user


def test_a_restricted_space_given_to_another_group_in_the_admin_keeps_the_notifications_of_who_is_in_both(
        client, admin_user, private_space, region_group, author, reader_factory, committed):
    """The form sets the groups with ``set()`` (remove, then add): the access is read once it is final."""
    other_group = Group.objects.create(name="Région Bretagne")
    only_before = reader_factory("Olivier Occitanie", region_group)
    in_both = reader_factory("Inès Partout", region_group, other_group)
    announce_a_thread_to(private_space, [only_before, in_both], author, committed)

    client.force_login(admin_user)
    with committed():
        response = client.post(f"/admin/echanges/espaces/edit/{private_space.pk}/",
                               space_form(private_space, groups=[other_group.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]

    assert not told_of(private_space, only_before).exists()
    assert told_of(private_space, in_both).count() == 2


def test_a_space_restricted_by_code_an_import_or_a_command_withdraws_them_too(
        space, region_group, author, reader_factory, committed):
    outsider = reader_factory("Olivier Dehors")
    insider = reader_factory("Inès Occitanie", region_group)
    announce_a_thread_to(space, [outsider, insider], author, committed)

    with committed(), transaction.atomic():  # what forums.exchange's import does (save, then the groups)
        space.visibility = SpaceVisibility.GROUPS
        space.save()
        space.groups.set([region_group])

    assert not told_of(space, outsider).exists()
    assert told_of(space, insider).count() == 2


def test_opening_a_space_or_editing_an_open_one_withdraws_nothing(
        client, admin_user, space, private_space, region_group, author, reader_factory, committed):
    reader = reader_factory("Olivier Dehors")
    announce_a_thread_to(space, [reader], author, committed)
    client.force_login(admin_user)
    with committed():
        client.post(f"/admin/echanges/espaces/edit/{space.pk}/", space_form(space, title="VAE, CPF"))
    assert told_of(space, reader).count() == 2

    insider = reader_factory("Inès Occitanie", region_group)
    announce_a_thread_to(private_space, [insider], author, committed)
    with committed():
        client.post(f"/admin/echanges/espaces/edit/{private_space.pk}/",
                    space_form(private_space, visibility=SpaceVisibility.MEMBERS, groups=[]))
    assert told_of(private_space, insider).count() == 2


def test_the_withdrawal_of_a_restricted_space_takes_the_same_statements_whatever_its_threads_and_members(
        region_group, author, reader_factory, committed):
    def restrict_a_space_with(threads, readers):
        space = SpaceFactory()
        for _ in range(threads):
            announce_a_thread_to(space, readers, author, committed)
        Space.objects.filter(pk=space.pk).update(visibility=SpaceVisibility.GROUPS)
        with CaptureQueriesContext(connection) as queries:
            services.forget_space_outsiders(space.pk)
        for user in readers:
            assert not told_of(space, user).exists()
        return len(queries)

    restrict_a_space_with(1, [reader_factory("Premier")])  # fills the process's caches (content types...)
    few = restrict_a_space_with(1, [reader_factory("Deuxième")])
    many = restrict_a_space_with(4, [reader_factory(f"Lecteur {i}") for i in range(5)])
    assert many == few


# --- A member lost access --------------------------------------------------------------------


@pytest.mark.parametrize("take_out", [
    lambda user, group: user.groups.remove(group),
    lambda user, group: user.groups.clear(),
    lambda user, group: group.user_set.remove(user),
    lambda user, group: group.user_set.clear(),
    lambda user, group: group.delete(),
], ids=["user.groups.remove", "user.groups.clear", "group.user_set.remove", "group.user_set.clear",
        "group deleted"])
def test_a_member_taken_out_of_the_spaces_group_loses_its_notifications(
        client, private_space, region_group, space, author, reader_factory, committed, take_out):
    insider = reader_factory("Inès Occitanie", region_group)
    announce_a_thread_to(private_space, [insider], author, committed, title="Le dossier régional")
    announce_a_thread_to(space, [insider], author, committed)  # an open space: kept

    with committed():
        take_out(insider, region_group)

    assert not told_of(private_space, insider).exists()
    assert told_of(space, insider).count() == 2
    client.force_login(insider)
    assert "dossier régional" not in client.get("/mon-espace/notifications/").content.decode()


def test_a_member_still_in_another_group_of_the_space_keeps_them(
        private_space, region_group, author, reader_factory, committed):
    second = Group.objects.create(name="Région Bretagne")
    private_space.groups.add(second)
    insider = reader_factory("Inès Partout", region_group, second)
    announce_a_thread_to(private_space, [insider], author, committed)

    with committed():
        insider.groups.remove(region_group)

    assert told_of(private_space, insider).count() == 2


def test_a_moderator_taken_out_of_the_moderators_loses_those_of_the_restricted_spaces_they_are_not_in(
        private_space, space, author, moderator, committed):
    announce_a_thread_to(private_space, [moderator], author, committed)
    announce_a_thread_to(space, [moderator], author, committed)

    with committed():
        moderator.groups.remove(Group.objects.get(name=MODERATORS_GROUP))

    assert not told_of(private_space, moderator).exists()
    assert told_of(space, moderator).count() == 2


@pytest.mark.parametrize("take_off", [
    lambda user, space: space.moderators.remove(user),
    lambda user, space: space.moderators.clear(),
    lambda user, space: user.moderated_spaces.remove(space),
    lambda user, space: user.moderated_spaces.clear(),
], ids=["space.moderators.remove", "space.moderators.clear", "user.moderated_spaces.remove",
        "user.moderated_spaces.clear"])
def test_a_space_moderator_outside_its_groups_taken_off_loses_them(
        private_space, author, reader_factory, committed, take_off):
    coordinator = reader_factory("Coralie Coordinatrice")
    private_space.moderators.add(coordinator)
    announce_a_thread_to(private_space, [coordinator], author, committed)

    with committed():
        take_off(coordinator, private_space)

    assert not told_of(private_space, coordinator).exists()


# --- An announcement racing a move ---------------------------------------------------------------


def test_an_announce_task_that_read_its_readers_before_a_move_notifies_only_who_may_read_it_after(
        space, private_space, region_group, author, moderator, reader_factory, committed, monkeypatch):
    outsider = reader_factory("Olivier Dehors")
    insider = reader_factory("Inès Occitanie", region_group)
    thread = announce_a_thread_to(space, [outsider, insider], author, committed)

    # The task reads the thread and its readers; a moderator's move commits before it writes the notifications.
    read_readers = services.reader_emails_among
    moved = []

    def readers_then_a_move(thread_read, user_ids):
        readers = read_readers(thread_read, user_ids)
        if not moved:
            moved.append(services.move_thread(thread=Thread.objects.get(pk=thread.pk), space=private_space,
                                              moderator=moderator))
        return readers

    monkeypatch.setattr(services, "reader_emails_among", readers_then_a_move)
    with committed():
        reply = services.add_reply(thread=thread, author=author, body=f"Encore : {SECRET}", visible=True)
    assert moved

    assert not told_of(private_space, outsider).exists()
    assert told_of(private_space, insider).filter(kind="reply", target_id=str(reply.pk)).exists()
