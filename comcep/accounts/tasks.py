"""E-mails about membership, sent in the background (django-tasks; immediate in dev and tests).

Tasks take primary keys, not objects, so that a database-backed queue can store them."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from .contact import LEGAL_NOTICE_URL, contact_address, reply_to


def _render(template_prefix: str, context: dict) -> tuple[str, str]:
    subject = render_to_string(f"{template_prefix}_subject.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.splitlines()).strip()
    body = render_to_string(f"{template_prefix}_message.txt", context).strip() + "\n"
    return subject, body


def _site_context() -> dict:
    return {"site_name": settings.WAGTAIL_SITE_NAME, "site_url": settings.SITE_URL.rstrip("/")}


@task()
def send_membership_decision(user_id: int, withdrawn: bool = False) -> None:
    """Tell a member that their membership was approved, rejected or (``withdrawn``: they were a member)
    withdrawn, with the reason."""
    from .enums import MembershipStatus
    from .models import User

    user = User.objects.filter(pk=user_id, deleted_at__isnull=True).first()
    if user is None or user.status == MembershipStatus.PENDING:
        return
    if user.status == MembershipStatus.APPROVED:
        prefix = "accounts/email/approved"
    else:
        prefix = "accounts/email/withdrawn" if withdrawn else "accounts/email/rejected"
    with translation.override(settings.LANGUAGE_CODE):
        context = {**_site_context(), "user": user, "dashboard_url": reverse("accounts:dashboard"),
                   "login_url": reverse("account_login"), "legal_url": LEGAL_NOTICE_URL,
                   "contact_address": contact_address()}
        subject, body = _render(prefix, context)
    # Sent from DEFAULT_FROM_EMAIL (often no-reply): an answer goes to the moderation team's address, if any.
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], reply_to=reply_to()).send()


@task()
def notify_moderators_of_request(user_id: int) -> None:
    """Tell every moderator that a new member awaits approval (one message each: no shared recipients)."""
    from .models import User

    user = User.objects.select_related("operator", "region").filter(pk=user_id).first()
    if user is None or not user.is_pending:
        return
    recipients = list(User.objects.moderators().values_list("email", flat=True))
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {**_site_context(), "user": user, "queue_url": reverse("membres_adhesions:index")}
        subject, body = _render("accounts/email/moderation_request", context)
    messages = [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in recipients]
    get_connection().send_messages(messages)
