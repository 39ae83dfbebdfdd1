"""Background work of the forums (django-tasks): immediate in dev and tests, the database queue and
``manage.py db_worker`` in production. Posting only waits for the transaction and two enqueues; the
notifications fan-out (mentions, followers of a thread or space) runs here."""

from django_tasks import task


@task()
def announce_thread(thread_id: int) -> None:
    """Announce the thread's posts waiting for it (services._announce_thread). At most one is queued per
    thread and not started (services._announce_later): a burst of replies is announced by one task."""
    from .services import _announce_thread

    # Each post's immediate e-mails are sent by this task, not by one more task per reply.
    _announce_thread(thread_id)


@task()
def announce_post(post_id: int) -> None:
    """Tasks queued before announce_thread existed (one per post): the post is announced with its
    thread's waiting posts."""
    from .services import _announce_post

    _announce_post(post_id)
