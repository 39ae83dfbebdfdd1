"""Side effects of the agenda, one function per action: register, unregister, remind.

Capacity is enforced under concurrency: the event row is locked (SELECT ... FOR UPDATE on
PostgreSQL; on SQLite the IMMEDIATE transaction mode already serialises writers) before
the active registrations are counted, so two members can never take the last seat."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import can_see_members_content
from .ical import absolute_url
from .models import EventPage, Registration

logger = logging.getLogger(__name__)


class RegistrationError(Exception):
    """An action a member may not do right now; the message is French and shown as is."""


def ensure_can_register(user, event: EventPage) -> None:
    if not user.is_authenticated or not user.is_approved:
        raise PermissionDenied(_("Seuls les membres validés peuvent s'inscrire aux événements."))
    if event.is_members_only and not can_see_members_content(user):
        raise PermissionDenied


def register(*, event: EventPage, user) -> Registration:
    """Register ``user`` for ``event``; e-mails the confirmation (with the .ics) after commit."""
    ensure_can_register(user, event)
    with transaction.atomic():
        locked = EventPage.objects.select_for_update(of=("self",)).get(pk=event.pk)
        if not locked.live:
            raise RegistrationError(_("Cet événement n'est pas publié."))
        if locked.is_cancelled:
            raise RegistrationError(_("Cet événement est annulé."))
        if locked.starts_at <= timezone.now():
            raise RegistrationError(_("Les inscriptions sont closes : l'événement a commencé ou est passé."))
        active = Registration.objects.filter(event=locked, cancelled_at__isnull=True)
        if active.filter(user=user).exists():
            raise RegistrationError(_("Vous êtes déjà inscrit·e à cet événement."))
        if locked.capacity is not None and active.count() >= locked.capacity:
            raise RegistrationError(_("L'événement est complet."))
        try:
            with transaction.atomic():
                registration = Registration.objects.create(event=locked, user=user)
        except IntegrityError:  # a double click that raced us
            raise RegistrationError(_("Vous êtes déjà inscrit·e à cet événement.")) from None
        transaction.on_commit(lambda: _enqueue("confirmation", registration.pk))
    return registration


def unregister(*, event: EventPage, user) -> Registration:
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update()
            .filter(event=event, user=user, cancelled_at__isnull=True)
            .first()
        )
        if registration is None:
            raise RegistrationError(_("Vous n'êtes pas inscrit·e à cet événement."))
        if event.ends_at < timezone.now():
            raise RegistrationError(_("Cet événement est passé."))
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["cancelled_at"])
        transaction.on_commit(lambda: _enqueue("cancellation", registration.pk))
    return registration


def _enqueue(kind: str, registration_pk: int) -> None:
    from .tasks import send_registration_email

    send_registration_email.enqueue(kind, registration_pk)


def reminder_window(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of "tomorrow" in Paris local time, as aware datetimes. Midnight exists
    every day in Europe/Paris (changes happen at 02:00/03:00), so the window is 23, 24 or
    25 hours long around daylight saving changes."""
    paris = ZoneInfo(settings.TIME_ZONE)
    today = (now or timezone.now()).astimezone(paris).date()
    tomorrow = today + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time.min, tzinfo=paris)
    end = dt.datetime.combine(tomorrow + dt.timedelta(days=1), dt.time.min, tzinfo=paris)
    return start, end


def send_reminders(now: dt.datetime | None = None) -> int:
    """E-mail every active registrant of tomorrow's events (Paris dates) once.

    Each registration is claimed with a conditional UPDATE of ``reminded_at`` before its
    e-mail is sent, so two runs (cron overlap, two servers) never send it twice. If the
    e-mail cannot be sent the claim is released so the next run retries."""
    from .emails import send_registration_email_now

    now = now or timezone.now()
    start, end = reminder_window(now)
    candidates = list(
        Registration.objects.filter(
            cancelled_at__isnull=True,
            reminded_at__isnull=True,
            event__live=True,
            event__is_cancelled=False,
            event__starts_at__gte=start,
            event__starts_at__lt=end,
        ).values_list("pk", flat=True)
    )
    sent = 0
    for pk in candidates:
        claimed = Registration.objects.filter(pk=pk, reminded_at__isnull=True, cancelled_at__isnull=True).update(
            reminded_at=now
        )
        if not claimed:
            continue
        try:
            send_registration_email_now("reminder", pk)
        except Exception:  # noqa: BLE001 - one bad address must not stop the others
            logger.exception("event reminder failed", extra={"registration": pk})
            Registration.objects.filter(pk=pk, reminded_at=now).update(reminded_at=None)
            continue
        sent += 1
    return sent


def notify_event_cancelled(event: EventPage) -> int:
    """Tell every active registrant, once, that ``event`` is cancelled (called when a
    cancelled event is published). Each registration is claimed before its e-mail is queued."""
    if not event.is_cancelled:
        return 0
    now = timezone.now()
    pending = Registration.objects.filter(event=event, cancelled_at__isnull=True,
                                          event_cancelled_notified_at__isnull=True)
    claimed = 0
    for pk in list(pending.values_list("pk", flat=True)):
        if Registration.objects.filter(pk=pk, event_cancelled_notified_at__isnull=True).update(
            event_cancelled_notified_at=now
        ):
            claimed += 1
            transaction.on_commit(lambda pk=pk: _enqueue("event_cancelled", pk))
    return claimed


def on_event_published(sender, instance, **kwargs):
    notify_event_cancelled(instance)


# --- GDPR ---------------------------------------------------------------------------------


def export_member_registrations(user) -> list:
    return [
        {
            "event": r.event.title,
            "url": absolute_url(r.event),
            "starts_at": r.event.starts_at.isoformat(),
            "registered_at": r.created_at.isoformat(),
            "cancelled_at": r.cancelled_at.isoformat() if r.cancelled_at else None,
            "reminded_at": r.reminded_at.isoformat() if r.reminded_at else None,
        }
        for r in Registration.objects.filter(user=user).select_related("event").order_by("created_at")
    ]


def export_organised_events(user) -> list:
    """The events the member organises or organised (their name is shown on the page), drafts included; one
    query whatever their number."""
    return [
        {
            "event": e.title,
            "kind": e.kind,
            "url": absolute_url(e) if e.live else None,
            "published": e.live,
            "starts_at": e.starts_at.isoformat(),
            "ends_at": e.ends_at.isoformat(),
            "cancelled": e.is_cancelled,
        }
        for e in EventPage.objects.filter(organiser=user).order_by("starts_at", "pk")
    ]


def anonymise_member(user) -> None:
    """A deleted account leaves no registration behind and organises nothing any more."""
    Registration.objects.filter(user=user).delete()
    EventPage.objects.filter(organiser=user).update(organiser=None)
