"""An announce task and a moderator's move of the thread into a restricted space, at the same time, on
PostgreSQL (each with its own connection): the task's notifications reach only who may read the thread once
the move is committed (services._AnnounceGuard). On SQLite the write transactions are serialised by the
database's write lock (tests/forums/test_access_changes.py covers the same interleaving in one connection)."""

import threading
import time

import pytest
from django.contrib.auth.models import Group
from django.db import close_old_connections, connection, transaction

from comcep.notifications.models import Notification
from forums import services
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_announcement_waiting_for_a_move_in_progress_notifies_only_the_new_readers(settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    settings.FORUMS_NEW_MEMBER_DAYS = 0
    author = UserFactory(is_superuser=True)
    moderator = UserFactory(is_superuser=True)
    region = Group.objects.create(name="Région Occitanie")
    space = SpaceFactory(slug="vae")
    private_space = SpaceFactory(slug="occitanie", groups=[region])
    outsider, insider = UserFactory(), UserFactory()
    insider.groups.add(region)
    thread = make_thread(space=space, author=author)
    for user in (outsider, insider):
        services.follow(user, thread=thread)
    monkeypatch.setattr(services, "_announce_later", lambda thread_id: None)  # the task runs below
    reply = services.add_reply(thread=thread, author=author, body="Une réponse", visible=True)

    errors = []

    def announce():
        try:
            services._announce_thread(thread.pk)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    task = threading.Thread(target=announce)
    with transaction.atomic():
        services.move_thread(thread=thread, space=private_space, moderator=moderator)
        task.start()  # reads the thread and its readers as they were, then waits for the row at its INSERT
        time.sleep(1)
    task.join(timeout=30)
    assert not errors and not task.is_alive()

    replies = Notification.objects.filter(kind="reply", target_id=str(reply.pk))
    assert list(replies.values_list("recipient_id", flat=True)) == [insider.pk]
