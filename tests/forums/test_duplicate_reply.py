"""A reply submitted twice (double click, "resend", retry after a timeout) is stored once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from forums import services
from forums.models import Post, Thread
from forums.queries import DUPLICATE_REPLY
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(settings):
    settings.FORUMS_NEW_MEMBER_DAYS = 0
    return services.create_thread(space=SpaceFactory(), author=UserFactory(), title="VAE : quels délais ?",
                                  body="Question ?")


def test_the_same_text_twice_is_stored_once(thread, member):
    first = services.add_reply(thread=thread, author=member, body="Deux mois en général.")
    again = services.add_reply(thread=thread, author=member, body="  Deux mois en général.\r\n")
    assert again.pk == first.pk and again.duplicate
    assert not getattr(first, "duplicate", False)
    assert Post.objects.filter(thread=thread, author=member).count() == 1
    assert Thread.objects.get(pk=thread.pk).post_count == 2


def test_other_text_other_member_or_later_is_a_new_post(thread, member):
    first = services.add_reply(thread=thread, author=member, body="Deux mois.")
    services.add_reply(thread=thread, author=member, body="Et parfois trois.")
    services.add_reply(thread=thread, author=UserFactory(), body="Deux mois.")
    Post.objects.filter(pk=first.pk).update(created_at=timezone.now() - services.DUPLICATE_WINDOW - timedelta(1))
    services.add_reply(thread=thread, author=member, body="Deux mois.")
    assert Post.objects.filter(thread=thread).count() == 5
    assert Thread.objects.get(pk=thread.pk).post_count == 5


def test_the_form_posted_twice_publishes_once_and_says_so(client, thread, member):
    client.force_login(member)
    url = reverse("forums:reply", args=[thread.pk])
    first = client.post(url, {"body": "Deux mois en général."})
    second = client.post(url, {"body": "Deux mois en général."}, follow=True)
    assert first.status_code == 302
    assert second.redirect_chain[0][0] == first.url
    assert "déjà enregistrée" in second.content.decode()
    assert Post.objects.filter(thread=thread, author=member).count() == 1


# The check reads the candidates whose text ends like the new one (index forums_post_reply_tail) and
# keeps the newest whose whole text is equal: the shared tail alone never makes a duplicate.
SIGNATURE = "\n\nBien à vous,\nCamille, conseillère en évolution professionnelle (CEP) à Rennes."


def test_texts_ending_alike_are_different_posts(thread, member):
    first = services.add_reply(thread=thread, author=member, body="Deux mois en général." + SIGNATURE)
    second = services.add_reply(thread=thread, author=member, body="Parfois trois mois." + SIGNATURE)
    assert second.pk != first.pk and not getattr(second, "duplicate", False)
    again = services.add_reply(thread=thread, author=member, body="Deux mois en général." + SIGNATURE)
    assert again.pk == first.pk and again.duplicate
    assert Post.objects.filter(thread=thread, author=member).count() == 2


def test_a_deleted_post_is_not_a_duplicate(thread, member):
    first = services.add_reply(thread=thread, author=member, body="Deux mois en général.")
    services.delete_post(post=first, user=member)
    again = services.add_reply(thread=thread, author=member, body="Deux mois en général.")
    assert again.pk != first.pk and not getattr(again, "duplicate", False)


def test_the_newest_equal_post_is_returned(thread, member):
    older = services.add_reply(thread=thread, author=member, body="Deux mois.")
    Post.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    newer = Post.objects.create(thread=thread, author=member, body="Deux mois.", html="<p>Deux mois.</p>")
    assert services.add_reply(thread=thread, author=member, body="Deux mois.").pk == newer.pk


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner")
def test_the_check_reads_the_candidates_through_its_index(thread, member):
    # Written with the text's equality in the SQL, SQLite replaced the column by the value in the tail's
    # condition and walked every post of the thread in the window (docs/performance.md, "Session 10").
    sql, params = DUPLICATE_REPLY.sql()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "forums_post_reply_tail" in plan
