"""The space page reads whether the reader follows the space and whether they are one of its own
moderators in the space's statement (forums.queries.SPACE_PAGE), not in two more statements; what
the page shows each reader is unchanged."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forums.models import Subscription, Thread
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread

pytestmark = pytest.mark.django_db

QUEUE = "File de modération de cet espace"


def first_table(sql):
    """The table a statement reads rows of: its first column's (``SELECT "t"."id", ...``), else its first
    FROM's (``SELECT 1 AS "a" FROM "t" ...`` for ``exists()``, ``SELECT COUNT(*) FROM (SELECT "t"...``)."""
    column = re.match(r'SELECT "(\w+)"\.', sql)
    return column.group(1) if column else re.search(r'\bFROM "(\w+)"', sql).group(1)


def page(client, space):
    response = client.get(space.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_no_statement_of_its_own_for_following_or_space_moderation(client, member, space):
    make_thread(space=space, replies=1)
    client.force_login(member)
    page(client, space)
    with CaptureQueriesContext(connection) as captured:
        page(client, space)
    sqls = [q["sql"] for q in captured.captured_queries]
    own = [sql for sql in sqls if first_table(sql) in ("forums_space_moderators", "forums_subscription")]
    assert own == []


def test_the_follow_button_follows_the_subscription_at_once(client, member, space):
    client.force_login(member)
    assert "Suivre cet espace" in page(client, space) and "Ne plus suivre cet espace" not in page(client, space)
    Subscription.objects.create(user=member, space=space)
    assert "Ne plus suivre cet espace" in page(client, space)
    client.post(space.get_absolute_url() + "suivre/", {"action": "ne-plus-suivre"})
    assert "Ne plus suivre cet espace" not in page(client, space)


def test_the_moderation_queue_link_for_the_space_moderators_and_global_moderators_only(
        client, member, moderator, space):
    coordinator = UserFactory()
    space.moderators.add(coordinator)
    other = SpaceFactory(slug="autre")
    for reader, here, elsewhere in ((member, False, False), (coordinator, True, False), (moderator, True, True)):
        client.force_login(reader)
        assert (QUEUE in page(client, space)) is here, reader
        assert (QUEUE in page(client, other)) is elsewhere, reader
    space.moderators.remove(coordinator)
    client.force_login(coordinator)
    assert QUEUE not in page(client, space)  # at once


# --- The threads' count (session 13) ------------------------------------------------------------------------


def test_the_threads_are_counted_with_the_space(client, member, space):
    make_thread(space=space, replies=1)
    client.force_login(member)
    # three statements (four before session 13): the session's user, the space with the reader's flags and
    # the rows' count, the page's rows; no COUNT of its own. A filter that lists nothing: no rows' statement.
    for query, tables in (("", ["accounts_user", "forums_space", "forums_thread"]),
                          ("?filtre=abonnements", ["accounts_user", "forums_space"])):
        client.get(space.get_absolute_url() + query)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(space.get_absolute_url() + query).status_code == 200
        sqls = [q["sql"] for q in captured.captured_queries]
        assert [sql.split(",")[0] for sql in sqls] == [f'SELECT "{table}"."id"' for table in tables], query
        assert '"reader_thread_count"' in sqls[1]


def test_pages_follow_what_each_reader_is_listed(client, member, other_member, moderator, space):
    """25 rows a page: 25 threads, and one of the member's awaiting approval. Its author and the
    moderators have a second page; other members have one page, and asking for page 2 (or 9) gives
    what the paginator gives: the last page."""
    author = UserFactory()
    oldest = make_thread(space=space, author=author, title="Le plus ancien sujet")
    for number in range(24):
        make_thread(space=space, author=author, title=f"Sujet {number}")
    mine = make_thread(space=space, author=member, title="Mon sujet en attente")
    Thread.objects.filter(pk=mine.pk).update(needs_approval=True)
    url = space.get_absolute_url()
    for reader, pages in ((member, 2), (moderator, 2), (other_member, 1)):
        client.force_login(reader)
        for asked, shown in (("2", min(2, pages)), ("9", pages), ("x", 1)):
            html = client.get(f"{url}?page={asked}").content.decode()
            assert (f"Page {shown} sur {pages}" in html) is (pages > 1), (reader, asked)
            assert (oldest.title in html) is (shown == pages), (reader, asked)  # the last row
    client.force_login(member)
    html = client.get(f"{url}?filtre=mes-sujets").content.decode()
    assert "Mon sujet en attente" in html and "Page 1 sur" not in html
