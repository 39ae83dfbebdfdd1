"""A post hidden by the moderators, or deleted, no longer shows its text to the other members: neither
in the thread nor in the notifications that announced it (their excerpt quotes it, in the bell, the
list and the digests still to send)."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from comcep.notifications.emails import send_digests
from comcep.notifications.enums import Frequency
from comcep.notifications.models import Notification
from comcep.notifications.services import set_preferences
from forums import services
from forums.models import Post, Thread
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread

pytestmark = pytest.mark.django_db

SECRET = "Madame Durand, née le 3 mai 1980, au RSA"


@pytest.fixture
def follower(space):
    user = UserFactory(display_name="Fanny Suiveuse")
    services.follow(user, space=space)
    return user


@pytest.fixture
def announced(django_capture_on_commit_callbacks):
    """Run the announce task (queued on commit) of what is posted inside the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def reply_with_secret(thread, author):
    return services.add_reply(thread=thread, author=author, body=f"@Fanny Suiveuse {SECRET}", visible=True)


def announcements_quoting(user):
    return Notification.objects.filter(recipient=user, excerpt__contains="Madame Durand")


def test_hiding_a_reply_withdraws_its_reply_and_mention_notifications(client, space, member, follower, moderator,
                                                                      announced):
    thread = make_thread(space=space)
    other_follower = UserFactory()
    services.follow(other_follower, thread=thread)
    with announced():
        post = reply_with_secret(thread, member)
    assert announcements_quoting(follower).filter(kind="mention").exists()
    assert announcements_quoting(other_follower).filter(kind="reply").exists()

    client.force_login(moderator)
    with announced():
        response = client.post(f"/echanges/message/{post.pk}/masquer/", {"reason": "Données personnelles"})

    assert response.status_code == 302
    assert not announcements_quoting(follower).exists()
    assert not announcements_quoting(other_follower).exists()
    # the author is still told why their post was hidden
    assert Notification.objects.filter(recipient=member, kind="moderation").exists()
    client.force_login(other_follower)
    assert SECRET not in client.get("/mon-espace/notifications/").content.decode()


def test_hiding_a_threads_first_post_withdraws_the_new_thread_notifications(space, member, follower, moderator,
                                                                             announced):
    with announced():
        thread = make_thread(space=space, author=member, body=SECRET)
    assert announcements_quoting(follower).filter(kind="new_thread").exists()

    services.hide_post(post=thread.posts.get(), moderator=moderator, reason="Données personnelles")

    assert not announcements_quoting(follower).exists()


def test_the_author_deleting_a_reply_withdraws_its_notifications(client, space, member, follower, announced):
    thread = make_thread(space=space)
    services.follow(follower, thread=thread)
    with announced():
        post = reply_with_secret(thread, member)
    assert announcements_quoting(follower).exists()

    client.force_login(member)
    client.post(f"/echanges/message/{post.pk}/supprimer/")

    assert Post.objects.get(pk=post.pk).is_deleted
    assert not announcements_quoting(follower).exists()


def test_hiding_a_reply_keeps_the_notifications_of_the_other_posts(space, member, follower, moderator, announced):
    with announced():
        thread = make_thread(space=space, author=member, body="Une question sans secret.")
    services.follow(follower, thread=thread)
    with announced():
        kept = services.add_reply(thread=thread, author=member, body="Une réponse correcte.", visible=True)
        hidden = reply_with_secret(thread, member)

    services.hide_post(post=hidden, moderator=moderator, reason="Données personnelles")

    assert Notification.objects.filter(recipient=follower, kind="new_thread").exists()
    assert Notification.objects.filter(recipient=follower, kind="reply", target_id=str(kept.pk)).exists()


def test_hiding_a_thread_withdraws_the_notifications_of_the_thread_and_its_posts(client, space, member, follower,
                                                                                moderator, announced):
    with announced():
        thread = make_thread(space=space, author=member, body=SECRET)
    services.follow(follower, thread=thread)
    with announced():
        reply_with_secret(thread, member)
    other_thread = make_thread(space=space, author=member, title="Un autre sujet")
    with announced():
        kept = services.add_reply(thread=other_thread, author=member, body=f"@Fanny Suiveuse {SECRET}", visible=True)
    assert announcements_quoting(follower).filter(kind="new_thread").exists()
    assert announcements_quoting(follower).filter(kind="mention").count() == 2

    client.force_login(moderator)
    response = client.post(f"/echanges/sujet/{thread.pk}/moderer/", {"action": "masquer", "reason": "Données"})

    assert response.status_code == 302
    assert list(announcements_quoting(follower)) == list(Notification.objects.filter(target_id=str(kept.pk)))


def test_an_author_who_edits_the_secret_out_of_a_reply_edits_it_out_of_its_notifications(
        client, space, member, follower, announced):
    """A counsellor who removes a beneficiary's data by editing the post (rather than deleting it): the bell, the
    list and the immediate e-mails and digests still to send quote the text as it is now."""
    from comcep.notifications.services import set_preferences

    set_preferences(follower, {"mention": "daily", "reply": "daily"})
    thread = make_thread(space=space)
    other_follower = UserFactory()
    services.follow(other_follower, thread=thread)
    with announced():
        post = reply_with_secret(thread, member)
    assert announcements_quoting(follower).exists() and announcements_quoting(other_follower).exists()

    client.force_login(member)
    with announced():
        client.post(f"/echanges/message/{post.pk}/modifier/", {"body": "@Fanny Suiveuse Une bénéficiaire au RSA."})

    assert Post.objects.get(pk=post.pk).body == "@Fanny Suiveuse Une bénéficiaire au RSA."
    assert not announcements_quoting(follower).exists() and not announcements_quoting(other_follower).exists()
    mention = Notification.objects.get(recipient=follower, kind="mention")
    assert mention.excerpt == "@Fanny Suiveuse Une bénéficiaire au RSA."


def test_editing_a_threads_first_post_edits_the_new_thread_notifications(space, member, follower, announced):
    with announced():
        thread = make_thread(space=space, author=member, body=SECRET)
    assert announcements_quoting(follower).filter(kind="new_thread").exists()

    services.edit_post(post=thread.posts.get(), editor=member, body="Une question sur le RSA.")

    assert not announcements_quoting(follower).exists()
    assert Notification.objects.get(recipient=follower, kind="new_thread").excerpt == "Une question sur le RSA."


def test_revising_the_excerpts_reads_the_notifications_through_their_target_index(space, member, follower,
                                                                                    announced):
    """An edit must not scan every notification of the site (millions at community scale): the UPDATE finds the
    post's and thread's notifications through the target index (SQLite's plan; PostgreSQL plans by statistics)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "sqlite":
        pytest.skip("the plan is checked on SQLite, whose planner does not depend on table statistics")
    with announced():
        thread = make_thread(space=space, author=member, body=SECRET)
    with CaptureQueriesContext(connection) as ctx:
        services.edit_post(post=thread.posts.get(), editor=member, body="Une question sur le RSA.")
    (update,) = [q["sql"] for q in ctx.captured_queries
                 if q["sql"].startswith('UPDATE "notifications_notification" SET "excerpt"')]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {update}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "notif_target" in plan and "SCAN notifications_notification" not in plan, plan


# --- A thread moved into a restricted space -----------------------------------------------


@pytest.fixture
def outsider(space):
    """Follows the space (told of its new threads) and is not in the restricted space's group."""
    user = UserFactory(display_name="Olivier Dehors")
    services.follow(user, space=space)
    set_preferences(user, {"new_thread": Frequency.DAILY, "reply": Frequency.DAILY, "mention": Frequency.DAILY})
    return user


def notifications_of(user, thread):
    posts = Post.objects.filter(thread=thread).values_list("pk", flat=True)
    return Notification.objects.filter(recipient=user).filter(
        Q(target_id=str(thread.pk), kind__in=["new_thread", "solved"])
        | Q(target_id__in=[str(pk) for pk in posts], kind__in=["reply", "mention", "moderation"]))


def test_moving_a_thread_into_a_restricted_space_withdraws_it_from_who_may_no_longer_read_it(
        client, space, private_space, insider, outsider, member, moderator, announced):
    services.follow(insider, space=space)
    with announced():
        thread = make_thread(space=space, author=member, title="Le dossier de Madame Durand", body=SECRET)
    with announced():
        services.add_reply(thread=thread, author=member, body=f"@Olivier Dehors @Inès Occitanie {SECRET}",
                           visible=True)
    services.mark_solved(post=thread.posts.order_by("pk").last(), user=member)
    assert notifications_of(outsider, thread).count() == 2  # new thread, mention
    assert notifications_of(insider, thread).count() == 2

    client.force_login(moderator)
    response = client.post(f"/admin/echanges/sujets/edit/{thread.pk}/",
                           {"space": private_space.pk, "reason": "Réservé à la région"})
    assert response.status_code == 302
    assert Thread.objects.get(pk=thread.pk).space_id == private_space.pk

    # Olivier no longer sees the thread: nothing of it in his bell, his list or his next digest.
    assert not notifications_of(outsider, thread).exists()
    client.force_login(outsider)
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert "Madame Durand" not in client.get("/mon-espace/notifications/").content.decode()
    send_digests(Frequency.DAILY)
    assert not [m for m in mail.outbox if outsider.email in m.to]
    # Inès, in the space's group, keeps hers.
    assert notifications_of(insider, thread).count() == 2

    # The next replies notify the thread's followers who may read it, only them.
    services.follow(outsider, thread=thread)  # followed before the move: the subscription stays inert
    services.follow(insider, thread=thread)
    with announced():
        services.add_reply(thread=thread, author=member, body="Une suite, @Olivier Dehors.", visible=True)
    assert not notifications_of(outsider, thread).exists()
    assert notifications_of(insider, thread).filter(kind="reply").exists()


def test_moving_a_thread_keeps_the_notifications_of_the_space_moderators_and_of_the_moderators(
        space, private_space, outsider, member, moderator, announced):
    coordinator = UserFactory(display_name="Coralie Coordinatrice")
    private_space.moderators.add(coordinator)
    for user in (coordinator, moderator):
        services.follow(user, space=space)
    with announced():
        thread = make_thread(space=space, author=member, body=SECRET)

    services.move_thread(thread=thread, space=private_space, moderator=moderator)

    assert notifications_of(coordinator, thread).exists()
    assert notifications_of(moderator, thread).exists()
    assert not notifications_of(outsider, thread).exists()


def test_moving_a_thread_to_another_open_space_withdraws_nothing(space, outsider, member, moderator, announced):
    with announced():
        thread = make_thread(space=space, author=member, body=SECRET)

    services.move_thread(thread=thread, space=SpaceFactory(slug="cpf", title="CPF"), moderator=moderator)

    assert notifications_of(outsider, thread).exists()


def test_the_withdrawal_of_a_moved_thread_takes_the_same_statements_whatever_its_audience(
        space, member, moderator, announced):
    def move_a_thread_followed_by(followers):
        origin = SpaceFactory()
        for user in followers:
            services.follow(user, space=origin)
        with announced():
            thread = make_thread(space=origin, author=member, body=SECRET)
        for user in followers:
            services.follow(user, thread=thread)
        with announced():
            for _ in range(len(followers)):
                services.add_reply(thread=thread, author=member, body=f"{SECRET} {_}", visible=True)
        restricted = SpaceFactory(groups=[Group.objects.create(name=f"Groupe de {origin.slug}")])
        assert Notification.objects.filter(recipient__in=followers).count() == len(followers) * (1 + len(followers))
        with CaptureQueriesContext(connection) as queries:
            services.move_thread(thread=thread, space=restricted, moderator=moderator)
        assert not Notification.objects.filter(recipient__in=followers).exists()
        return len(queries)

    move_a_thread_followed_by([UserFactory()])  # the first move fills the process's caches (content types...)
    few = move_a_thread_followed_by([UserFactory()])
    many = move_a_thread_followed_by([UserFactory() for _ in range(6)])
    assert many == few
