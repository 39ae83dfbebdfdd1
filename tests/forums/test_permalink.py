"""A post's permalink (/echanges/message/<pk>/, where notifications and e-mails lead) redirects to the thread page
and anchor where the reader sees the post, in one statement whatever the thread's length, and only for a reader
who may see the post."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forums.models import Post
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("forum_posting_settings")]


def _location(client, post):
    response = client.get(f"/echanges/message/{post.pk}/")
    assert response.status_code == 302
    return response["Location"]


def test_the_permalink_leads_to_the_page_and_anchor_of_the_post(client, member):
    thread = make_thread(title="Long sujet", replies=24)  # 25 posts: two pages of 20
    posts = list(thread.posts.order_by("created_at", "pk"))
    client.force_login(member)
    assert _location(client, posts[0]) == f"{thread.get_absolute_url()}#message-{posts[0].pk}"
    assert _location(client, posts[19]) == f"{thread.get_absolute_url()}#message-{posts[19].pk}"
    assert _location(client, posts[20]) == f"{thread.get_absolute_url()}?page=2#message-{posts[20].pk}"
    # another member's post awaiting approval is not listed to this reader: the later posts move up a page
    Post.objects.filter(pk=posts[3].pk).update(needs_approval=True)
    assert _location(client, posts[20]) == f"{thread.get_absolute_url()}#message-{posts[20].pk}"
    assert client.get(f"/echanges/message/{posts[3].pk}/").status_code == 404
    client.force_login(posts[3].author)  # ...but to its author it is
    assert _location(client, posts[20]) == f"{thread.get_absolute_url()}?page=2#message-{posts[20].pk}"


def test_a_post_the_reader_may_not_see_is_not_found(client, member):
    group = Group.objects.create(name="Région Occitanie")
    insider = UserFactory()
    insider.groups.add(group)
    thread = make_thread(space=SpaceFactory(slug="occitanie", groups=[group]), author=insider, replies=1,
                         repliers=[insider])
    post = thread.posts.order_by("pk").last()
    client.force_login(member)
    assert client.get(f"/echanges/message/{post.pk}/").status_code == 404
    member.groups.add(group)
    assert _location(client, post).endswith(f"#message-{post.pk}")
    client.logout()
    response = client.get(f"/echanges/message/{post.pk}/")  # visitors are asked to log in first
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_the_permalink_costs_the_same_statements_whatever_the_threads_length(client):
    reader = UserFactory()
    client.force_login(reader)
    counts = []
    for replies in (2, 30):
        post = make_thread(replies=replies).posts.order_by("created_at", "pk").last()
        client.get(f"/echanges/message/{post.pk}/")  # the session's first read
        with CaptureQueriesContext(connection) as queries:
            _location(client, post)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 3


def test_an_action_on_a_post_leads_back_to_its_page(client, member):
    """After thanking a post (as after editing, certifying, marking it solved...), the member is taken back to
    the page and anchor of the post: views.post_url, counted like the permalink."""
    thread = make_thread(title="Long sujet", replies=24)
    later = thread.posts.order_by("created_at", "pk")[20]
    client.force_login(member)
    response = client.post(f"/echanges/message/{later.pk}/merci/")
    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}?page=2#message-{later.pk}"


def test_a_post_the_reader_can_no_longer_see_is_placed_on_the_first_page(member):
    from forums.views import post_url

    thread = make_thread(replies=24)
    later = thread.posts.order_by("created_at", "pk")[20]
    assert post_url(later, member).endswith(f"?page=2#message-{later.pk}")
    Post.objects.filter(pk=later.pk).update(needs_approval=True)  # e.g. held for approval meanwhile
    assert post_url(later, member) == f"{thread.get_absolute_url()}#message-{later.pk}"
