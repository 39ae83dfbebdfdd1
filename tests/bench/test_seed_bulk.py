"""seed_bulk at tiny sizes: counts, consistent counters, determinism, and every benchmark page answers."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from wagtail.models import Page

from bench import targets
from comcep.accounts.models import User
from forums.models import Post, Reaction, Space, Thread
from resources.models import ResourcePage, ResourceStats, UsefulVote
from search.models import SearchEntry

SIZES = ["--members", "20", "--resources", "10", "--spaces", "2", "--threads", "5", "--posts", "60"]


def seed(seed=7):
    call_command("seed_bulk", *SIZES, "--seed", str(seed), stdout=io.StringIO())


def titles():
    return (list(ResourcePage.objects.order_by("path").values_list("title", flat=True)),
            list(Thread.objects.order_by("pk").values_list("title", flat=True)),
            list(Post.objects.order_by("pk").values_list("body", flat=True)))


@pytest.mark.django_db
def test_seed_bulk_counts_and_counters():
    users_before = User.objects.count()
    seed()
    assert User.objects.count() - users_before == 20
    assert ResourcePage.objects.live().count() == 10
    assert Space.objects.count() >= 2
    assert Thread.objects.count() == 5
    assert Post.objects.count() == 60
    # The benchmark's thread page with 50 posts.
    assert Thread.objects.filter(post_count=50).exists()
    # Counters match the rows.
    for thread in Thread.objects.annotate(n=Count("posts")):
        assert thread.post_count == thread.n
        assert thread.last_post == thread.posts.order_by("-created_at", "-pk").first()
    for space in Space.objects.filter(threads__isnull=False).distinct():
        assert space.thread_count == space.threads.count()
        assert space.post_count == Post.objects.filter(thread__space=space).count()
    for post in Post.objects.annotate(n=Count("reactions")):
        assert post.useful_count == post.n
    assert Reaction.objects.exists()
    for stats in ResourceStats.objects.all():
        assert stats.useful_count == UsefulVote.objects.filter(page_id=stats.page_id).count()
    # The page tree is sound (paths computed in bulk) and everything is searchable.
    assert Page.find_problems() == ([], [], [], [], [])
    assert SearchEntry.objects.filter(kind="resource").count() == 10
    assert SearchEntry.objects.exclude(kind="resource").count() >= 5


@pytest.mark.django_db
def test_seed_bulk_is_deterministic():
    with transaction.atomic():
        seed(7)
        first = titles()
        transaction.set_rollback(True)
    with transaction.atomic():
        seed(7)
        second = titles()
        transaction.set_rollback(True)
    seed(8)
    assert first == second
    assert titles() != first


@pytest.mark.django_db
@pytest.mark.urls("bench.urls")
def test_every_benchmark_page_answers(client):
    seed()
    data = targets.targets()
    assert client.login(email=data["member"]["email"], password=data["member"]["password"])
    names = {page["name"] for page in data["pages"]}
    assert {"baseline", "home", "resource-list-filtered", "resource-page", "space-thread-list", "thread-50-posts",
            "search", "search-api", "post-reply", "notifications", "agenda", "messages-inbox",
            "conversation-30-messages"} <= names
    for page in data["pages"]:
        if page.get("method") == "POST":
            response = client.post(page["path"], data=page["body"], content_type="application/x-www-form-urlencoded",
                                   HTTP_REFERER=page["referer"])
            assert response.status_code == 302, page
        else:
            response = client.get(page["path"])
            assert response.status_code == 200, page
