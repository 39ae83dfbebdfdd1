"""GDPR export of a member's forum data and anonymisation on deletion."""

import pytest

from comcep.accounts.gdpr import anonymisers, exporters
from forums import services
from forums.models import Post, Reaction, ReadMarker, Subscription
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db


def test_export_lists_my_threads_posts_reactions_subscriptions_and_flags(member, other_member, space):
    thread = make_thread(space=space, author=member, title="Ma question VAE", body="Texte de ma question")
    other = make_thread(space=space, author=other_member, title="Sa question")
    services.react(post=other.posts.get(), user=member)
    services.flag(post=other.posts.get(), reporter=member, reason="spam")
    services.follow(member, space=space)
    data = exporters()["posts"](member)
    assert data["threads"][0]["title"] == "Ma question VAE" and data["threads"][0]["url"].endswith(
        thread.get_absolute_url())
    assert data["posts"][0]["body"] == "Texte de ma question" and data["posts"][0]["created_at"]
    assert data["reactions"][0]["thread"] == "Sa question"
    assert {s.get("space") or s.get("thread") for s in data["subscriptions"]} == {"Ma question VAE", space.title}
    assert data["flags"][0]["reason"] == "spam"
    assert all(t["title"] != "Sa question" for t in data["threads"])


def test_export_gives_my_posts_earlier_versions_and_my_suspensions_without_naming_moderators(
        member, moderator, space, django_assert_max_num_queries):
    """Right of access (RGPD art. 15): the text of my posts before each edit, and the suspensions that concerned
    me (dates, reason). The team is a role, not a name, as in what the member is shown (« l'équipe d'animation »)."""
    from datetime import timedelta

    from django.utils import timezone

    moderator.display_name = "Chloé Modératrice"
    moderator.save(update_fields=["display_name"])
    thread = make_thread(space=space, author=member, title="Ma question VAE", body="Premier jet", replies=1,
                         repliers=[member])
    first, reply = thread.posts.order_by("pk")
    services.edit_post(post=first, editor=member, body="Deuxième jet")
    services.edit_post(post=first, editor=moderator, body="Texte corrigé par l'équipe")
    services.edit_post(post=reply, editor=member, body="Réponse reprise")
    until = timezone.now() + timedelta(days=7)
    services.suspend_member(member=member, moderator=moderator, reason="Propos déplacés", until=until)
    services.unsuspend_member(member=member, moderator=moderator)
    services.suspend_member(member=member, moderator=moderator, reason="Récidive")

    with django_assert_max_num_queries(8):  # one query per list, whatever the number of rows
        data = exporters()["posts"](member)
    revisions = data["post_revisions"]
    assert [(r["body"], r["edited_by"]) for r in revisions] == [
        ("Premier jet", "author"), ("Deuxième jet", "moderator"), ("Réponse numéro 1.", "author")]
    assert revisions[0]["thread"] == "Ma question VAE" and revisions[0]["url"].startswith("http")
    assert revisions[0]["url"].endswith(f"#message-{first.pk}") and revisions[0]["replaced_at"]
    sanctions = data["sanctions"]
    assert [(m["reason"], m["by"]) for m in sanctions] == [("Propos déplacés", "moderator"), ("Récidive", "moderator")]
    assert sanctions[0]["suspended_until"] == until.isoformat() and sanctions[0]["lifted_at"]
    assert sanctions[0]["lifted_by"] == "moderator"
    assert sanctions[1]["suspended_until"] is None and sanctions[1]["lifted_at"] is None  # open-ended, in force
    assert "Chloé" not in str(data) and moderator.email not in str(data)


def test_export_of_revisions_and_sanctions_does_not_grow_with_rows(member, moderator, space,
                                                                    django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    thread = make_thread(space=space, author=member, body="Version 1")
    post = thread.posts.get()
    services.edit_post(post=post, editor=member, body="Version 2")
    services.suspend_member(member=member, moderator=moderator, reason="Un")
    services.unsuspend_member(member=member, moderator=moderator)
    with CaptureQueriesContext(connection) as few:
        exporters()["posts"](member)
    for n in range(3, 8):
        services.edit_post(post=post, editor=member, body=f"Version {n}")
        services.suspend_member(member=member, moderator=moderator, reason=f"Motif {n}")
        services.unsuspend_member(member=member, moderator=moderator)
    with django_assert_num_queries(len(few.captured_queries)):
        exporters()["posts"](member)


def test_anonymisation_keeps_posts_and_shows_membre_supprime(client, member, other_member, space):
    from django.utils import timezone

    thread = make_thread(space=space, author=member, replies=1, repliers=[other_member])
    reply = thread.posts.last()
    services.react(post=reply, user=member)
    for fn in anonymisers():
        fn(member)
    member.deleted_at = timezone.now()
    member.save()
    reply.refresh_from_db()
    assert reply.useful_count == 0 and not Reaction.objects.filter(user=member).exists()
    assert not Subscription.objects.filter(user=member).exists()
    assert not ReadMarker.objects.filter(user=member).exists()
    assert Post.objects.filter(author=member).count() == 1
    client.force_login(other_member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "Membre supprimé" in html and "Bonjour, une question." in html


def test_the_moderation_log_keeps_the_actions_but_not_the_deleted_members_name_or_address(member, moderator, space):
    """The log's "cible" column is text written at the time ("Awa Diallo <awa@…>", "Message de Awa Diallo dans
    « … »"): once the account is deleted, the entries stay (who moderated what, when and why) without naming it."""
    from comcep.accounts.services import delete_account
    from forums.models import ModerationLog

    member.display_name = "Awa Diallo"
    member.save(update_fields=["display_name"])
    email = member.email
    thread = make_thread(space=space, author=member, title="Financer une VAE", replies=1, repliers=[member])
    services.hide_post(post=thread.posts.order_by("pk").last(), moderator=moderator, reason="Hors sujet")
    services.suspend_member(member=member, moderator=moderator, reason="Propos déplacés")
    assert any(email in t for t in ModerationLog.objects.values_list("target", flat=True))

    delete_account(member)

    targets = list(ModerationLog.objects.order_by("pk").values_list("action", "target"))
    assert len(targets) == 2
    assert not any("Awa Diallo" in t or email in t for _action, t in targets)
    assert targets[0][1] == "Message de Membre supprimé dans « Financer une VAE »"
    assert targets[1][1] == "Membre supprimé"


def test_a_deleted_space_moderator_no_longer_moderates_the_space(member, space):
    """A space's moderators are listed in its admin (« animateurs de l'espace »): a deleted account leaves the list."""
    from comcep.accounts.services import delete_account

    space.moderators.add(member)
    delete_account(member)
    assert not space.moderators.exists()


def test_a_deleted_members_reactions_leave_the_threads_search_ranking(member, other_member, space,
                                                                      django_capture_on_commit_callbacks):
    """A thread's search entry sums its posts' « merci / utile » (the ranking boosts useful discussions):
    a reaction reaches it, and a deleted member's reactions are taken back from it and from every post
    they reacted to."""
    from comcep.accounts.services import delete_account
    from search.models import SearchEntry
    from tests.factories import UserFactory

    third = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = make_thread(space=space, author=other_member, replies=1, repliers=[third])
        second = make_thread(space=space, author=third)
    with django_capture_on_commit_callbacks(execute=True):
        for post in [*first.posts.all(), second.posts.get()]:
            services.react(post=post, user=member)
        services.react(post=second.posts.get(), user=other_member)
    entries = SearchEntry.objects.filter(kind="thread")
    assert {e.source_id: e.useful_count for e in entries} == {str(first.pk): 2, str(second.pk): 2}
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(member)
    assert {e.source_id: e.useful_count for e in entries.all()} == {str(first.pk): 0, str(second.pk): 1}
    assert list(Post.objects.filter(thread=second).values_list("useful_count", flat=True)) == [1]


def test_the_admin_history_of_a_deleted_members_suspensions_no_longer_names_them(member, space):
    """Editing a suspension in the admin (« Suspensions ») writes Wagtail's audit log with the suspension's
    name at the time, « Awa Diallo – … »: once the member deletes their account the entries stay, the name goes."""
    from wagtail.log_actions import log
    from wagtail.models import ModelLogEntry

    from comcep.accounts.services import delete_account
    from tests.factories import ModeratorFactory

    member.display_name = "Awa Diallo"
    member.save(update_fields=["display_name"])
    moderator = ModeratorFactory()
    sanction = services.suspend_member(member=member, moderator=moderator, reason="Propos déplacés")
    log(instance=sanction, action="wagtail.edit", user=moderator)  # what the admin's edit view writes
    assert ModelLogEntry.objects.get(object_id=str(sanction.pk)).label.startswith("Awa Diallo")
    delete_account(member)
    label = ModelLogEntry.objects.get(object_id=str(sanction.pk)).label
    assert "Awa" not in label and label.startswith("Membre supprimé")
