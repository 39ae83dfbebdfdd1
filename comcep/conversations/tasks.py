"""Background work of the private conversations (django-tasks): immediate in dev and tests,
the database queue and ``manage.py db_worker`` in production."""

from django_tasks import task


@task()
def reindex_conversation(conversation_id: int, user_ids: list[int] | None = None) -> None:
    from .search import reindex_now

    reindex_now(conversation_id, user_ids)
