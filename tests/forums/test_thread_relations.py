"""The thread page loads a thread's solved post and discussed page by primary key, only when it has them
(forums.queries.attach_solved_post_and_page): the same objects as the former
``select_related("solved_post__author", "about_page")`` join, which cost PostgreSQL ~0.7 ms of planning
on every view (docs/performance.md, "Session 6")."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comcep.core.models import HomePage, StandardPage
from forums import queries, services
from forums.models import Thread
from tests.factories import UserFactory
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def discussed_page(db):
    home = HomePage.objects.first()
    return home.add_child(instance=StandardPage(title="Fiche : le bilan de compétences", slug="fiche-bilan"))


def _fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_solved_post_and_page_equal_the_joined_ones_and_show_on_the_page(client, member, space, discussed_page):
    asker, helper = UserFactory(), UserFactory(display_name="Camille Aidante")
    thread = make_thread(space=space, author=asker, about_page=discussed_page.page_ptr)
    reply = services.add_reply(thread=thread, author=helper, body="Voici **la démarche** à suivre.")
    services.mark_solved(post=reply, user=asker)
    joined = Thread.objects.select_related("solved_post__author", "about_page").get(pk=thread.pk)

    loaded = queries.THREAD_PAGE.first("member", user=member.pk, thread=thread.pk, at=timezone.now())
    assert not Thread.solved_post.field.is_cached(loaded) and not Thread.about_page.field.is_cached(loaded)
    with CaptureQueriesContext(connection) as captured:
        queries.attach_solved_post_and_page(loaded)
        assert _fields(loaded.solved_post) == _fields(joined.solved_post)
        assert _fields(loaded.solved_post.author) == _fields(joined.solved_post.author)
        assert _fields(loaded.about_page) == _fields(joined.about_page)
        assert type(loaded.about_page) is type(joined.about_page)
    assert len(captured) == 2  # one each, nothing lazy afterwards
    with CaptureQueriesContext(connection) as captured:
        queries.attach_solved_post_and_page(loaded)  # already there: no query
    assert len(captured) == 0

    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "Réponse de Camille Aidante" in html and "la démarche" in html
    assert "Discussion à propos de la ressource" in html and "Fiche : le bilan de compétences" in html
    assert f'href="{discussed_page.url}"' in html


def test_a_thread_without_them_costs_no_query(member, space):
    thread = make_thread(space=space)
    loaded = queries.THREAD_PAGE.first("member", user=member.pk, thread=thread.pk, at=timezone.now())
    with CaptureQueriesContext(connection) as captured:
        queries.attach_solved_post_and_page(loaded)
    assert len(captured) == 0
    assert loaded.solved_post is None and loaded.about_page is None


def test_the_thread_queries_join_neither_the_solved_post_nor_the_page():
    for query in (queries.THREAD_PAGE, queries.THREAD_FOR_REPLY):
        sql, _params = query.sql("member")
        assert 'JOIN "forums_post"' not in sql and 'JOIN "wagtailcore_page"' not in sql, query


def test_a_reply_with_errors_shows_the_solved_post(client, member, space):
    asker = UserFactory()
    thread = make_thread(space=space, author=asker, replies=1)
    services.mark_solved(post=thread.posts.order_by("-pk").first(), user=asker)
    client.force_login(member)
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": ""})
    assert response.status_code == 400  # the form with its error, on the thread page
    assert "la réponse retenue" in response.content.decode()
