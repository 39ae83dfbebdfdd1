"""The thread page reads what it needs to know about its reader — do they moderate the thread's space,
are they suspended — in the thread's own statement (forums.queries.THREAD_PAGE), not in two more
statements; what the page shows each reader is unchanged."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forums import services
from forums.models import MemberSanction, Post
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread

pytestmark = pytest.mark.django_db

PANEL = "Modération du sujet"
SUSPENDED = "Votre compte est suspendu"


def first_table(sql):
    """The table a statement reads rows of: its first column's (``SELECT "t"."id", ...``), else its first
    FROM's (``SELECT 1 AS "a" FROM "t" ...`` for ``exists()``, ``SELECT COUNT(*) FROM (SELECT "t"...``)."""
    column = re.match(r'SELECT "(\w+)"\.', sql)
    return column.group(1) if column else re.search(r'\bFROM "(\w+)"', sql).group(1)


def page(client, thread):
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_no_statement_of_its_own_for_the_reader_space_moderation_or_sanction(client, member, space):
    thread = make_thread(space=space, replies=3)
    client.force_login(member)
    page(client, thread)
    with CaptureQueriesContext(connection) as captured:
        page(client, thread)
    own = [q["sql"] for q in captured.captured_queries
           if first_table(q["sql"]) in ("forums_space_moderators", "forums_membersanction")]
    assert own == []
    assert any('"forums_space_moderators"' in q["sql"] and '"forums_membersanction"' in q["sql"]
               and 'FROM "forums_thread"' in q["sql"] for q in captured.captured_queries)


def test_a_space_moderator_moderates_there_and_only_there(client, space):
    coordinator = UserFactory()
    space.moderators.add(coordinator)
    here = make_thread(space=space, replies=1)
    elsewhere = make_thread(space=SpaceFactory(slug="autre"), replies=1)
    client.force_login(coordinator)
    html = page(client, here)
    assert PANEL in html and ">Masquer<" in html and "Historique" in html
    html = page(client, elsewhere)
    assert PANEL not in html and ">Masquer<" not in html
    space.moderators.remove(coordinator)
    assert PANEL not in page(client, here)  # at once


def test_a_global_moderator_moderates_every_space(client, moderator):
    thread = make_thread(space=SpaceFactory(slug="autre"), replies=1)
    client.force_login(moderator)
    html = page(client, thread)
    assert PANEL in html and "Suspendre l'auteur" in html


def test_a_suspended_member_reads_but_cannot_reply_until_the_sanction_ends_or_is_lifted(
        client, member, moderator, space):
    thread = make_thread(space=space, replies=1)
    client.force_login(member)
    assert 'id="repondre"' in page(client, thread) and SUSPENDED not in page(client, thread)

    sanction = services.suspend_member(member=member, moderator=moderator, reason="Propos déplacés")
    html = page(client, thread)
    assert "Votre compte est suspendu : vous ne pouvez pas publier." in html
    assert "Publier la réponse" not in html

    MemberSanction.objects.filter(pk=sanction.pk).update(suspended_until=timezone.now() + timedelta(days=2))
    html = page(client, thread)
    assert "Votre compte est suspendu jusqu&#x27;au" in html and "Publier la réponse" not in html

    MemberSanction.objects.filter(pk=sanction.pk).update(suspended_until=timezone.now() - timedelta(minutes=1))
    html = page(client, thread)  # the suspension is over
    assert SUSPENDED not in html and "Publier la réponse" in html

    MemberSanction.objects.filter(pk=sanction.pk).update(suspended_until=None, lifted_at=timezone.now())
    assert "Publier la réponse" in page(client, thread)


def test_a_suspended_space_moderator_still_moderates_but_cannot_reply(client, moderator, space):
    coordinator = UserFactory()
    space.moderators.add(coordinator)
    thread = make_thread(space=space, replies=1)
    services.suspend_member(member=coordinator, moderator=moderator, reason="Pause")
    client.force_login(coordinator)
    html = page(client, thread)
    assert PANEL in html and SUSPENDED in html


# --- The posts' count, the certified posts and the cited pages (session 13) ---------------------------------

LOCKED = "Ce sujet est verrouillé : il n'accepte plus de réponses."


def statements(client, url):
    client.get(url)  # first visit: the read marker is written
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_posts_are_counted_with_the_thread_and_absent_certified_posts_and_cited_pages_cost_nothing(
        client, member, space):
    thread = make_thread(space=space, replies=3)
    client.force_login(member)
    sqls = statements(client, thread.get_absolute_url())
    # three statements (six before session 13): the session's user, the thread with the reader's flags and
    # the posts' count, the page's posts; no COUNT, no certified posts, no cited pages of their own
    assert [sql.split(",")[0] for sql in sqls] == [
        'SELECT "accounts_user"."id"', 'SELECT "forums_thread"."id"', 'SELECT "forums_post"."id"']
    assert '"reader_post_count"' in sqls[1]


def test_certified_posts_and_cited_pages_are_shown_when_the_thread_has_them(client, member, moderator, space):
    from wagtail.models import Page

    thread = make_thread(space=space, replies=2)
    client.force_login(member)
    html = page(client, thread)
    assert "answer-certified" not in html and "Ressources citées" not in html
    reply = thread.posts.order_by("pk")[1]
    services.certify(post=reply, moderator=moderator)
    root = Page.objects.get(depth=1)
    cited = root.add_child(instance=Page(title="Fiche métier : conseiller", slug="fiche-conseiller"))
    thread.cited_pages.add(cited)
    html = page(client, thread)
    assert f'<aside class="answer-highlight answer-certified" aria-labelledby="certifiee-{reply.pk}">' in html
    assert reply.html in html
    assert "Ressources citées" in html and "Fiche métier : conseiller" in html


def test_pages_follow_what_each_reader_is_listed(client, member, other_member, moderator, space):
    """20 posts a page: the question and 19 replies, then the member's reply awaiting approval. Its
    author and the moderators have a second page with it; other members have one page, and asking
    for page 2 (or 9, or "x") gives what the paginator gives: the last page (page 1 for "x")."""
    thread = make_thread(space=space, replies=19)
    pending = services.add_reply(thread=thread, author=member, body="Ma réponse en attente.")
    Post.objects.filter(pk=pending.pk).update(needs_approval=True)
    services.recount_thread(thread.pk)
    url = thread.get_absolute_url()
    for reader, pages in ((member, 2), (moderator, 2), (other_member, 1)):
        client.force_login(reader)
        for asked, shown in (("2", min(2, pages)), ("9", pages), ("x", 1), ("1", 1)):
            html = client.get(f"{url}?page={asked}").content.decode()
            if pages > 1:
                assert f"Page {shown} sur {pages}" in html, (reader, asked)
            else:
                assert "Page 1 sur" not in html
            assert (f'id="message-{pending.pk}"' in html) is (shown == 2), (reader, asked)


def test_a_locked_thread_reads_the_space_moderation_with_the_thread(client, member, moderator, space):
    coordinator = UserFactory()
    space.moderators.add(coordinator)
    thread = make_thread(space=space, replies=1)
    services.lock_thread(thread=thread, moderator=moderator, locked=True, reason="")
    client.force_login(member)
    html = page(client, thread)
    assert "Ce sujet est verrouillé : il n&#x27;accepte plus de réponses." in html
    assert "Publier la réponse" not in html
    for reader in (coordinator, moderator):
        client.force_login(reader)
        sqls = statements(client, thread.get_absolute_url())
        assert not [sql for sql in sqls if first_table(sql) == "forums_space_moderators"]
        html = page(client, thread)
        assert "Publier la réponse" in html and "verrouillé : il n" not in html
    space.moderators.remove(coordinator)
    client.force_login(coordinator)
    assert "Publier la réponse" not in page(client, thread)  # at once
