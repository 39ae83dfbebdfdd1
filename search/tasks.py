"""Background indexing (django-tasks): immediate in dev and tests, a worker in production."""

from django_tasks import task


@task()
def reindex_source(content_type_id: int, source_id: str, queued_at: str | None = None) -> None:
    from .services import reindex_source_now

    reindex_source_now(content_type_id, source_id, queued_at)
