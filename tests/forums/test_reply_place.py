"""Where a reply's redirect lands (views.post_url after a reply: queries.NEW_POST_PLACE, from the thread's
counter and the posts that do not count, instead of counting the posts before it): the page that shows the
post and its anchor, for its author and whatever the thread holds (hidden, deleted, awaiting approval —
the author's own or others' — posts dated later than the reply), around page boundaries."""

import re
from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from forums import queries, services
from forums.models import Post
from forums.views import POSTS_PER_PAGE
from tests.factories import UserFactory
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db

LINKS = "Voir https://a.example.fr https://b.example.fr https://c.example.fr https://d.example.fr"  # > 3: review


def _counted_place(post, user) -> int:
    """How many posts ``user`` sees before ``post``, counted (the thread page's own order)."""
    return Post.objects.filter(thread_id=post.thread_id).visible_to(user).filter(
        Q(created_at__lt=post.created_at) | Q(created_at=post.created_at, pk__lt=post.pk)).count()


def _reply_and_follow(client, user, thread, body):
    client.force_login(user)
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": body})
    assert response.status_code == 302
    location = response["Location"]
    post = Post.objects.filter(thread=thread, author=user, body=body).get()
    earlier = _counted_place(post, user)
    page = earlier // POSTS_PER_PAGE + 1
    expected = thread.get_absolute_url() + (f"?page={page}" if page > 1 else "") + f"#message-{post.pk}"
    assert location == expected, (earlier, location)
    html = client.get(location.split("#")[0]).content.decode()
    assert f'id="message-{post.pk}"' in html  # the page shown holds the post
    return post, page


def _mixed_thread(space, author, *, public_replies, mixed=True):
    """A thread with ``public_replies`` public replies and, if ``mixed``, a hidden, a deleted and two
    posts awaiting approval (one by ``author``, one by someone else) among them."""
    others = [UserFactory(), UserFactory()]
    thread = make_thread(space=space, author=UserFactory(), replies=public_replies, repliers=others)
    if mixed:
        moderator = UserFactory(is_superuser=True)
        posts = list(Post.objects.filter(thread=thread).order_by("created_at", "pk"))
        services.hide_post(post=posts[2], moderator=moderator, reason="Hors sujet")
        services.delete_post(post=posts[3], user=moderator, reason="Doublon")
        mine = services.add_reply(thread=thread, author=author, body=LINKS + " (auteur)")
        theirs = services.add_reply(thread=thread, author=others[0], body=LINKS + " (autre)")
        assert theirs.needs_approval and (mine.needs_approval or author.is_moderator)
    thread.refresh_from_db()
    return thread


@pytest.mark.parametrize("public_replies", [16, 17, 18, 19, 20, 38])
def test_the_author_lands_on_the_page_of_the_reply(client, space, public_replies):
    author = UserFactory()
    thread = _mixed_thread(space, author, public_replies=public_replies)
    _reply_and_follow(client, author, thread, "Ma réponse, enfin.")


@pytest.mark.parametrize("public_replies", [18, 19, 20])
def test_a_plain_thread_crosses_pages_at_the_right_reply(client, space, public_replies):
    author = UserFactory()
    thread = _mixed_thread(space, author, public_replies=public_replies, mixed=False)
    _post, page = _reply_and_follow(client, author, thread, "Une réponse simple.")
    # the opening post and the replies before it: the reply is post number public_replies + 2
    assert page == (public_replies + 1) // POSTS_PER_PAGE + 1


@pytest.mark.parametrize("public_replies", [17, 18, 19])
def test_moderators_see_every_pending_post_before_their_reply(client, space, moderator, public_replies):
    thread = _mixed_thread(space, UserFactory(), public_replies=public_replies)
    _reply_and_follow(client, moderator, thread, "Réponse de l'équipe d'animation.")


@pytest.mark.parametrize("public_replies", [17, 18, 19])
def test_space_moderators_see_the_pending_posts_of_their_space(client, space, public_replies):
    space_moderator = UserFactory()
    space.moderators.add(space_moderator)
    thread = _mixed_thread(space, UserFactory(), public_replies=public_replies)
    _reply_and_follow(client, space_moderator, thread, "Réponse de l'animatrice de l'espace.")


@pytest.mark.parametrize("public_replies", [17, 18, 19])
def test_a_reply_awaiting_approval_lands_where_its_author_sees_it(client, space, public_replies):
    author = UserFactory()
    thread = _mixed_thread(space, author, public_replies=public_replies)
    post, _page = _reply_and_follow(client, author, thread, LINKS + " (en attente)")
    assert post.needs_approval


def test_posts_dated_after_the_reply_are_not_before_it(client, space):
    author = UserFactory()
    thread = _mixed_thread(space, author, public_replies=19)
    later = timezone.now() + timedelta(hours=1)
    for index in range(3):  # imported posts dated later (services.add_reply with created_at)
        services.add_reply(thread=thread, author=UserFactory(), body=f"Message importé {index}",
                           created_at=later + timedelta(minutes=index))
    thread.refresh_from_db()
    post, page = _reply_and_follow(client, author, thread, "Une réponse d'aujourd'hui.")
    assert page == 2  # the opening post, 19 replies (two of them placeholders), the author's pending post


def test_a_resubmitted_reply_lands_on_the_stored_one(client, space):
    author = UserFactory()
    thread = _mixed_thread(space, author, public_replies=19)
    first, _page = _reply_and_follow(client, author, thread, "Deux fois la même réponse.")
    services.add_reply(thread=thread, author=UserFactory(), body="Une réponse venue entre-temps.")
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "Deux fois la même réponse."})
    assert Post.objects.filter(body="Deux fois la même réponse.").count() == 1
    assert response["Location"].endswith(f"#message-{first.pk}")
    assert response["Location"] == thread.get_absolute_url() + "?page=2" + f"#message-{first.pk}"


@pytest.mark.parametrize("kind", ["member", "moderator"])
def test_the_place_of_any_post_equals_the_count(space, moderator, kind):
    """The identity NEW_POST_PLACE relies on, for every post of a mixed thread (not only the newest):
    posts before = public posts - public posts from it on + hidden, deleted or pending posts before it
    that the reader sees."""
    reader = UserFactory() if kind == "member" else moderator
    thread = _mixed_thread(space, reader, public_replies=6)
    services.add_reply(thread=thread, author=UserFactory(), body="Plus tard", created_at=timezone.now()
                       + timedelta(hours=1))
    thread.refresh_from_db()
    for post in Post.objects.filter(thread=thread):
        ((post_count, public_from, others_before),) = queries.NEW_POST_PLACE.rows(
            queries.reader_kind(reader), user=reader.pk, thread=thread.pk, at=post.created_at, post=post.pk)
        assert post_count - public_from + others_before == _counted_place(post, reader), post


def test_one_query_finds_the_place(client, space, django_assert_num_queries):
    author = UserFactory()
    thread = _mixed_thread(space, author, public_replies=5)
    post = services.add_reply(thread=thread, author=author, body="Une réponse.")
    post.thread = thread
    from forums.views import post_url

    with django_assert_num_queries(1):
        url = post_url(post, author, thread_checked=True)
    assert re.search(rf"#message-{post.pk}$", url)
