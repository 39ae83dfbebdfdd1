"""Background work of the agenda (django-tasks: immediate in dev and tests, a worker in production)."""

from django_tasks import task


@task()
def send_registration_email(kind: str, registration_pk: int) -> None:
    from .emails import send_registration_email_now

    send_registration_email_now(kind, registration_pk)
