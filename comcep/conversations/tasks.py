"""Background work of the private conversations (django-tasks): immediate in dev and tests,
the database queue and ``manage.py db_worker`` in production."""

from django_tasks import task


@task()
def reindex_conversation(conversation_id: int, user_ids: list[int] | None = None) -> None:
    from .search import reindex_now

    reindex_now(conversation_id, user_ids)


@task()
def reindex_partners(user_id: int) -> None:
    from .search import reindex_partners_of

    reindex_partners_of(user_id)
