"""The dashboard, its exports and the "Sans réponse" list cost a fixed number of queries
whatever the amount of data: figures are aggregated in SQL."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comcep.animation import counters
from forums import services as forum_services
from resources import services as resource_services
from tests.factories import PendingUserFactory, UserFactory
from tests.factories.forums import SpaceFactory
from tests.factories.resources import ResourcePageFactory

# Wagtail's admin page itself (session, user, menu, permissions...: 9 today) plus the sections' queries:
# members 5, forum activity 2, answers 4, useful 5, viewed 3, to review 2, content gaps 1, moderation 3.
SECTIONS = 25
DASHBOARD_MAX = 15 + SECTIONS


def build(n: int):
    space = SpaceFactory()
    authors = [UserFactory(last_login=timezone.now()) for _ in range(n)]
    for _ in range(n):
        PendingUserFactory()
    for i, author in enumerate(authors):
        thread = forum_services.create_thread(space=space, author=author, title=f"Question numéro {i}", body="?",
                                              created_at=timezone.now() - timedelta(days=i))
        if i % 2:
            forum_services.add_reply(thread=thread, author=authors[(i + 1) % n], body="Réponse")
        page = ResourcePageFactory(last_reviewed_on=(timezone.now() - timedelta(days=400)).date())
        resource_services.vote_useful(user=author, page=page)
        counters.record_view("resource", page.pk)
    counters.flush()
    forum_services.flag(post=thread.last_post, reporter=authors[0], reason="spam")


@pytest.mark.parametrize("n", [2, 12])
def test_dashboard_queries_do_not_grow_with_data(client, moderator, django_assert_max_num_queries, n):
    build(n)
    client.force_login(moderator)
    client.get("/admin/animation/")  # warm Wagtail's per-process caches
    for period in ({}, {"periode": "12m"}):
        with django_assert_max_num_queries(DASHBOARD_MAX):
            assert client.get("/admin/animation/", period).status_code == 200
    with django_assert_max_num_queries(DASHBOARD_MAX):
        assert client.get("/admin/animation/export/").status_code == 200


@pytest.mark.parametrize("n", [2, 30])
def test_unanswered_list_queries_do_not_grow(client, moderator, django_assert_max_num_queries, n):
    build(n)
    client.force_login(moderator)
    with django_assert_max_num_queries(12):
        response = client.get("/echanges/sans-reponse/")
    assert response.status_code == 200


def test_every_registered_section_runs_the_same_queries_at_two_sizes(db):
    """A guard for every app registering a section: count the queries of each compute()."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from comcep.animation.periods import last_days
    from comcep.animation.registry import sections

    def counts():
        result = {}
        for section in sections():
            with CaptureQueriesContext(connection) as ctx:
                section.compute(last_days(30))
            result[section.key] = len(ctx.captured_queries)
        return result

    build(2)
    small = counts()
    build(15)
    assert counts() == small
    assert sum(small.values()) <= SECTIONS
