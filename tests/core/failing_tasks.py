"""A background task that always raises, for the failed-tasks report's tests (a real task, run by
django-tasks-db's own worker)."""

from django_tasks import task


@task()
def send_the_weekly_digest(member_id: int) -> None:
    raise ConnectionRefusedError(f"le serveur de messagerie refuse la connexion (membre {member_id})")
