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
