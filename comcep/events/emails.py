"""The agenda's e-mails: registration confirmation (with the event's .ics), cancellation
and the reminder the day before. French, plain text with an HTML alternative."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .ical import absolute_url, event_ics
from .models import Registration

TEMPLATES = {
    "confirmation": "events/email/registration_confirmed",
    "cancellation": "events/email/registration_cancelled",
    "reminder": "events/email/reminder",
    "event_cancelled": "events/email/event_cancelled",
}


def subject_for(kind: str, event) -> str:
    if kind == "confirmation":
        return _("Inscription confirmée : %(title)s") % {"title": event.title}
    if kind == "cancellation":
        return _("Désinscription enregistrée : %(title)s") % {"title": event.title}
    if kind == "event_cancelled":
        return _("Événement annulé : %(title)s") % {"title": event.title}
    return _("Rappel : %(title)s a lieu demain") % {"title": event.title}


def send_registration_email_now(kind: str, registration_pk: int) -> bool:
    registration = (
        Registration.objects.select_related("event", "event__region", "user").filter(pk=registration_pk).first()
    )
    if registration is None:
        return False
    user = registration.user
    if not user.email or not user.is_active or user.deleted_at:
        return False
    event = registration.event
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "event": event,
            "registration": registration,
            "member": user,
            "event_url": absolute_url(event),
            "site_name": settings.WAGTAIL_SITE_NAME,
        }
        base = TEMPLATES[kind]
        message = EmailMultiAlternatives(
            subject=f"[{settings.WAGTAIL_SITE_NAME}] {subject_for(kind, event)}",
            body=render_to_string(f"{base}.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
        message.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
        if kind in ("confirmation", "reminder", "event_cancelled"):  # a cancelled one says STATUS:CANCELLED
            message.attach("evenement.ics", event_ics(event), "text/calendar; charset=utf-8; method=PUBLISH")
        message.send()
    return True
