"""Counters stay exact when several members post at the same time (each thread of execution
has its own database connection; SQLite runs in WAL mode with a busy timeout)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone

from forums import services
from forums.models import Post, Space, Thread
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory

WORKERS = 4
POSTS_EACH = 8


def _with_retry(fn, attempts=50):
    """The test database is SQLite's shared-cache in-memory database, whose table locks are not
    covered by the busy timeout: a locked table rolls the whole service back; try again."""
    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    return None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_replies_lose_nothing_and_counts_match_rows(settings):
    settings.FORUMS_NEW_MEMBER_DAYS = 0
    settings.FORUMS_POST_RATE = "1000/1m"
    space = SpaceFactory(slug="concurrence", title="Concurrence")
    author = UserFactory()
    thread = services.create_thread(space=space, author=author, title="Sujet très demandé", body="Question")
    other = services.create_thread(space=space, author=author, title="Autre sujet", body="Question")
    members = [UserFactory() for _ in range(WORKERS)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(WORKERS)

    def work(member, index):
        try:
            barrier.wait()
            for i in range(POSTS_EACH):
                target = thread if (i + index) % 3 else other
                # The thread is read before the write, outside its transaction: a Python-side
                # "count + 1" would lose updates here; F() expressions must not.
                fresh = _with_retry(lambda target=target: Thread.objects.select_related("space").get(pk=target.pk))
                _with_retry(lambda fresh=fresh, i=i: services.add_reply(
                    thread=fresh, author=member, body=f"Réponse {index}-{i}"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    workers = [threading.Thread(target=work, args=(m, n)) for n, m in enumerate(members)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors

    total = 2 + WORKERS * POSTS_EACH
    assert Post.objects.count() == total
    space.refresh_from_db()
    assert space.post_count == total == Post.objects.filter(thread__space=space).public().count()
    assert space.thread_count == 2
    for t in Thread.objects.all():
        rows = Post.objects.filter(thread=t)
        assert t.post_count == rows.count()
        assert t.last_post_id == rows.order_by("-created_at", "-pk").first().pk
    assert Space.objects.get(pk=space.pk).last_post_id == Post.objects.order_by("-created_at", "-pk").first().pk


@pytest.mark.django_db
def test_a_reply_older_than_the_spaces_last_post_does_not_replace_it(settings):
    """The race above, in order: two replies in two threads of one space, the one with the later
    timestamp written first. The space's and the thread's last post stay the newest one."""
    settings.FORUMS_NEW_MEMBER_DAYS = 0
    space = SpaceFactory()
    author, member = UserFactory(), UserFactory()
    first = services.create_thread(space=space, author=author, title="Premier sujet", body="Question")
    second = services.create_thread(space=space, author=author, title="Second sujet", body="Question")
    later = timezone.now() + timedelta(seconds=5)
    newest = services.add_reply(thread=first, author=member, body="Réponse récente", created_at=later)
    services.add_reply(thread=second, author=member, body="Réponse plus ancienne",
                       created_at=later - timedelta(seconds=2))
    older = services.add_reply(thread=first, author=author, body="Réponse antérieure",
                               created_at=later - timedelta(seconds=1))

    space.refresh_from_db()
    first.refresh_from_db()
    assert (space.last_post_id, space.last_post_at) == (newest.pk, later)
    assert (first.last_post_id, first.last_post_at) == (newest.pk, later)
    assert first.post_count == 3 and older.pk > newest.pk
    assert space.post_count == 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reply_being_written_does_not_hold_up_readers_of_its_thread():
    """PostgreSQL: a reply locks its thread's row to serialise identical submissions (the duplicate check).
    That lock must not stop what only references the thread meanwhile: a reader opening it (their read
    marker's INSERT checks its foreign key with FOR KEY SHARE), a notification's task — only other writers of
    the row. FOR UPDATE stopped them until the reply committed; FOR NO KEY UPDATE (what an UPDATE of its
    counters takes anyway) does not."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: SQLite's transactions hold the whole database's write lock")
    from django.db import transaction

    from forums.models import ReadMarker

    space = SpaceFactory()
    author, reader = UserFactory(), UserFactory()
    thread = services.create_thread(space=space, author=author, title="Un sujet", body="Question")
    outcome: list = []

    def read_meanwhile():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
            ReadMarker.objects.create(user=reader, thread_id=thread.pk, last_read_at=timezone.now())
            outcome.append("read")
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome.append(exc)
        finally:
            close_old_connections()

    with transaction.atomic():
        assert services._duplicate_reply(thread, author, "Une réponse") is None  # takes the thread's lock
        reading = threading.Thread(target=read_meanwhile)
        reading.start()
        reading.join(10)
    assert outcome == ["read"]
