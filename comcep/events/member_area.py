"""The "Mes événements" panel of Mon espace: upcoming registrations and organised events."""

from django.utils import timezone

from .models import EventPage, Registration

PANEL_SIZE = 10


def my_events_context(request) -> dict:
    user = request.user
    now = timezone.now()
    registrations = list(
        Registration.objects.active()
        .filter(user=user, event__live=True, event__ends_at__gte=now)
        .select_related("event")
        .order_by("event__starts_at")[:PANEL_SIZE]
    )
    organised = list(
        EventPage.objects.live().filter(organiser=user, ends_at__gte=now)
        .with_registration_count().order_by("starts_at")[:PANEL_SIZE]
    )
    return {"registrations": registrations, "organised": organised}
