"""Constant number of SQL queries per page, whatever the amount of content."""

import pytest

from forums import services
from forums.models import Reaction
from tests.factories import UserFactory
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db


def build_thread(space, n_posts, reader, moderator):
    authors = [UserFactory() for _ in range(5)]
    thread = make_thread(space=space, author=authors[0], replies=0)
    first = thread.posts.get()
    for i in range(n_posts - 1):
        body = f"> **{authors[i % 5].display_name}** :\n> citation\n\nRéponse {i} [lien](https://exemple.fr/{i})"
        services.add_reply(thread=thread, author=authors[(i + 1) % 5], body=body)
    posts = list(thread.posts.all())
    Reaction.objects.bulk_create([Reaction(post=p, user=reader) for p in posts[1::2]])
    services.mark_read(reader, thread, posts[0])
    services.certify(post=posts[-1], moderator=moderator)
    services.mark_solved(post=posts[1], user=authors[0])
    services.follow(reader, thread=thread)
    assert first
    thread.refresh_from_db()
    return thread


@pytest.mark.parametrize("as_moderator", [False, True])
def test_thread_page_queries_do_not_grow_with_posts(client, member, moderator, space, as_moderator,
                                                    django_assert_max_num_queries, monkeypatch):
    from forums import views

    monkeypatch.setattr(views, "POSTS_PER_PAGE", 50)
    small = build_thread(space, 2, member, moderator)
    large = build_thread(space, 50, member, moderator)
    client.force_login(moderator if as_moderator else member)
    counts = []
    for thread in (small, large):
        with django_assert_max_num_queries(20) as captured:
            response = client.get(thread.get_absolute_url())
        assert response.status_code == 200
        counts.append(len(captured))
    html = response.content.decode()
    assert html.count('<article class="post') == 50 and "Réponse certifiée" in html and "la réponse retenue" in html
    if not as_moderator:
        assert "Non lu" in html
    assert counts[0] == counts[1], counts


def test_space_page_queries_do_not_grow_with_threads(client, member, moderator, space, django_assert_max_num_queries):
    for i in range(2):
        make_thread(space=space, title=f"Sujet numéro {i}", replies=1)
    client.force_login(member)
    with django_assert_max_num_queries(20) as small:
        assert client.get(space.get_absolute_url()).status_code == 200
    for i in range(2, 25):
        thread = make_thread(space=space, title=f"Sujet numéro {i}", replies=2)
        services.mark_read(member, thread, thread.posts.first())
    with django_assert_max_num_queries(20) as large:
        html = client.get(space.get_absolute_url()).content.decode()
    assert html.count('class="thread-item') == 25
    assert len(small) == len(large)


def test_index_queries_do_not_grow_with_spaces(client, member, django_assert_max_num_queries):
    from tests.factories.forums import SpaceFactory

    SpaceFactory()
    client.force_login(member)
    with django_assert_max_num_queries(12) as small:
        client.get("/echanges/")
    for _ in range(10):
        make_thread(space=SpaceFactory(), replies=1)
    with django_assert_max_num_queries(12) as large:
        client.get("/echanges/")
    assert len(small) == len(large)
