"""The thread the bench's post-reply page posts into (bench/targets.py, reply_thread): the bench's own, reset at
every run, so that no run measures a thread grown by the earlier runs' replies and the pages measured before
it (the 50-post thread, its space's list, search) see the same database every run."""

import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from bench import targets
from comcep.accounts.models import User
from comcep.groups.models import RegionalGroup
from comcep.notifications.models import Notification
from forums.models import Post, ReadMarker, Space, Subscription, Thread
from search.models import SearchEntry

SIZES = ["--members", "20", "--resources", "10", "--spaces", "3", "--threads", "5", "--posts", "60"]
REPLIES = 4


def reply_page(data):
    return next(page for page in data["pages"] if page["name"] == "post-reply")


def post_replies(client, data, capture, count=REPLIES):
    """As wrk does: the member posts the page's body (each one distinct, as report.lua sends them); what the
    replies do after their commit (notifications, reindexing) runs too."""
    page = reply_page(data)
    for n in range(count):
        with capture(execute=True):
            response = client.post(page["path"], data=f"{page['body']}+{n}",
                               content_type="application/x-www-form-urlencoded",
                                   HTTP_REFERER=page["referer"])
        assert response.status_code == 302


def state(thread):
    thread.refresh_from_db()
    space = Space.objects.get(pk=thread.space_id)
    entry = SearchEntry.objects.get(kind="thread", source_id=str(thread.pk))
    return {"posts": Post.objects.count(), "thread_posts": thread.post_count, "last_post": thread.last_post_id,
            "first_reply_at": thread.first_reply_at, "space": (space.thread_count, space.post_count,
                                                                space.last_post_id),
            "notifications": Notification.objects.count(), "markers": ReadMarker.objects.count(),
            "subscriptions": Subscription.objects.count(), "entry_body": entry.body}


@pytest.mark.django_db
@pytest.mark.urls("bench.urls")
@override_settings(FORUMS_NEW_MEMBER_DAYS=0)  # as comcep.settings.bench: the bench member's replies are public
def test_replies_go_to_the_benchs_own_thread_emptied_at_every_run(client, django_capture_on_commit_callbacks):
    call_command("seed_bulk", *SIZES, "--seed", "5", stdout=io.StringIO())
    big = Thread.objects.get(post_count=50)
    big_before = (big.post_count, big.last_post_id, Post.objects.filter(thread=big).count())

    data = targets.targets()
    thread = Thread.objects.get(import_key=targets.REPLY_THREAD_KEY)
    assert reply_page(data)["path"] == f"/echanges/sujet/{thread.pk}/repondre/"
    # Opened by a seeded member (each reply notifies them, as a reply to a seeded thread would), in a space
    # open to every member, not the measured thread's (whose list the bench measures).
    assert thread.author.email != targets.BENCH_EMAIL
    assert thread.space_id != big.space_id
    assert thread.space.visibility == "members"
    assert not RegionalGroup.objects.filter(space=thread.space_id).exists()
    assert thread.post_count == 1
    fresh = state(thread)

    client.force_login(User.objects.get(email=targets.BENCH_EMAIL))
    post_replies(client, data, django_capture_on_commit_callbacks)
    assert Thread.objects.get(pk=thread.pk).post_count == 1 + REPLIES
    assert Notification.objects.count() > fresh["notifications"]  # the thread's author was told
    assert "Merci pour ce retour" in SearchEntry.objects.get(kind="thread", source_id=str(thread.pk)).body

    # The next run: the same thread, as it was after the first run's targets, whatever the last run posted.
    again = targets.targets()
    assert reply_page(again)["path"] == reply_page(data)["path"]
    assert Thread.objects.filter(import_key=targets.REPLY_THREAD_KEY).count() == 1
    assert state(thread) == fresh
    assert "Merci pour ce retour" not in fresh["entry_body"]
    # The measured 50-post thread is neither the target nor touched.
    big.refresh_from_db()
    assert (big.post_count, big.last_post_id, Post.objects.filter(thread=big).count()) == big_before

    # Twice more: the state does not drift over repeated runs.
    post_replies(client, again, django_capture_on_commit_callbacks, count=2)
    targets.targets()
    assert state(thread) == fresh
    targets.targets()
    assert state(thread) == fresh


@pytest.mark.django_db
def test_a_locked_or_hidden_bench_thread_is_opened_again():
    """A moderator's action on the bench thread between runs must not make the post-reply page fail."""
    call_command("seed_bulk", *SIZES, "--seed", "5", stdout=io.StringIO())
    targets.targets()
    Thread.objects.filter(import_key=targets.REPLY_THREAD_KEY).update(is_locked=True, is_hidden=True)
    data = targets.targets()
    thread = Thread.objects.get(import_key=targets.REPLY_THREAD_KEY)
    assert (thread.is_locked, thread.is_hidden) == (False, False)
    assert any(page["name"] == "post-reply" for page in data["pages"])
