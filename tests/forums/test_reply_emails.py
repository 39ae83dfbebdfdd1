"""A reply's followers get their immediate e-mail from the ``announce_thread`` task itself
(``comcep.notifications.services.immediate_emails_sent_here``), with the database queue as in
production: no ``send_immediate_emails`` task is queued, the same notifications are stored and marked
sent, the same e-mails go out."""

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from comcep.notifications.enums import EmailStatus
from comcep.notifications.models import Notification
from forums import services
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread
from tests.notifications.outbox import linked

# Transactional: the worker runs tasks in autocommit, where a commit runs its on_commit callbacks at once
# (inside the test's transaction they would wait for its end, after the task).
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("restore_migrated_data")]

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _queued(name: str) -> list[DBTaskResult]:
    return [task for task in DBTaskResult.objects.ready() if task.task_path.endswith(f".{name}")]


def _run(task: DBTaskResult) -> None:
    """What db_worker does with a task: claim, run, mark successful."""
    task.claim("test")
    result = task.task_result
    task.task.call(*result.args, **result.kwargs)
    task.set_successful(None)


def test_the_reply_task_sends_the_followers_emails_itself(settings):
    settings.FORUMS_NEW_MEMBER_DAYS = 0
    author, follower, replier = UserFactory(), UserFactory(email="suit@exemple.fr"), UserFactory()
    thread = make_thread(space=SpaceFactory(), author=author)
    services.follow(follower, thread=thread)
    settings.TASKS = DATABASE_QUEUE
    settings.FORUMS_ANNOUNCE_DELAY_SECONDS = 0  # the task at once (production waits a little: coalescing)
    services.add_reply(thread=thread, author=replier, body="Comptez deux mois pour la recevabilité.")
    (announce,) = _queued("announce_thread")
    assert mail.outbox == []

    _run(announce)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([author.email, "suit@exemple.fr"])
    notifications = Notification.objects.filter(kind="reply")
    assert {n.recipient_id for n in notifications} == {author.pk, follower.pk}
    assert {n.email_status for n in notifications} == {EmailStatus.SENT}
    assert all(n.email_attempts == 1 and n.emailed_at is not None for n in notifications)
    assert _queued("send_immediate_emails") == []
    # What is left: the search's reindex, waiting for its delay.
    assert [task.task_path for task in DBTaskResult.objects.filter(status="READY")] == ["search.tasks.reindex_source"]


def test_the_reply_task_reads_the_recipients_once(settings):
    """The followers allowed to read the thread are read with their addresses in one query, which
    notify does not repeat; a follower who may no longer read (deleted account) gets nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    settings.FORUMS_NEW_MEMBER_DAYS = 0
    author, follower, gone, replier = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    thread = make_thread(space=SpaceFactory(), author=author)
    services.follow(follower, thread=thread)
    services.follow(gone, thread=thread)
    type(gone).objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    settings.TASKS = DATABASE_QUEUE
    settings.FORUMS_ANNOUNCE_DELAY_SECONDS = 0  # the task at once (production waits a little: coalescing)
    services.add_reply(thread=thread, author=replier, body="Comptez deux mois pour la recevabilité.")
    (announce,) = _queued("announce_thread")
    with CaptureQueriesContext(connection) as queries:
        _run(announce)
    users_read = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "accounts_user"."id" AS')]
    assert len(users_read) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([author.email, follower.email])
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {author.pk, follower.pk}


def test_a_follower_gets_one_email_for_the_replies_one_task_announces(settings):
    """Three replies announced by one task (a burst, or held posts approved together): the follower gets one
    e-mail listing the three, in order, and each notification is marked sent."""
    settings.FORUMS_NEW_MEMBER_DAYS = 0
    author = UserFactory()
    follower = UserFactory(email="suit@exemple.fr", display_name="Fanny Suiveuse")
    replier = UserFactory(display_name="Rémi Répond")
    thread = make_thread(space=SpaceFactory(), author=author, title="Financement d'une VAE")
    services.follow(follower, thread=thread)
    settings.TASKS = DATABASE_QUEUE
    settings.FORUMS_ANNOUNCE_DELAY_SECONDS = 0
    bodies = ["Le CPF, en général.", "La région aussi.", "Et l'employeur, parfois."]
    for body in bodies:
        services.add_reply(thread=thread, author=replier, body=body)
    (announce,) = _queued("announce_thread")

    _run(announce)

    (message,) = [m for m in mail.outbox if m.to == ["suit@exemple.fr"]]
    assert message.subject == "[Comcep] 3 nouvelles notifications"
    html = next(content for content, mimetype in message.alternatives if mimetype == "text/html")
    notifications = list(Notification.objects.filter(recipient=follower).order_by("pk"))
    assert len(notifications) == 3 and linked(message) == [n.pk for n in notifications]
    for n, body in zip(notifications, bodies, strict=True):
        link = f"{settings.SITE_URL}/mon-espace/notifications/{n.pk}/"
        assert f"- Rémi Répond a répondu à « Financement d'une VAE » (Rémi Répond)\n  {body}\n  {link}" in message.body
        assert f'<a href="{link}">Rémi Répond a répondu à « Financement d&#x27;une VAE »</a>' in html
    assert {(n.email_status, n.email_attempts) for n in notifications} == {(EmailStatus.SENT, 1)}
    assert len(mail.outbox) == 2  # and the thread's author, likewise
