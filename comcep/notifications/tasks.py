from django_tasks import task


@task()
def send_immediate_emails(notification_ids: list[int]) -> dict[str, int]:
    """Send the immediate e-mails of these notifications (idempotent: see emails.py)."""
    from .emails import deliver_immediate_emails

    return deliver_immediate_emails(notification_ids)
