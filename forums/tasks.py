"""Background work of the forums (django-tasks): immediate in dev and tests, the database queue and
``manage.py db_worker`` in production. Posting only waits for the transaction and two enqueues; the
notifications fan-out (mentions, followers of a thread or space) runs here."""

from django_tasks import task


@task()
def announce_post(post_id: int) -> None:
    from comcep.notifications.services import immediate_emails_sent_here

    from .services import _announce_post

    # The followers' immediate e-mails are sent by this task, not by one more task per reply.
    with immediate_emails_sent_here():
        _announce_post(post_id)
