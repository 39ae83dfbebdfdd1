"""Views of the agenda. Registration and export are sub-routes of EventPage (see models);
the public iCalendar feed is a Django URL (/agenda/agenda.ics) because Wagtail's page
routes do not accept a dot."""

from __future__ import annotations

import csv
import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from . import services
from .access import can_manage_event
from .enums import Visibility
from .ical import build_calendar
from .models import EventPage

FEED_PAST_DAYS = 90


def _back(request, event):
    return redirect(event.get_url(request) + "#inscription")


def register(request, event: EventPage):
    if not request.user.is_authenticated:
        return redirect_to_login(event.get_url(request))
    try:
        services.register(event=event, user=request.user)
    except services.RegistrationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Votre inscription est confirmée. Un e-mail de confirmation vous a été envoyé."))
    return _back(request, event)


def unregister(request, event: EventPage):
    if not request.user.is_authenticated:
        return redirect_to_login(event.get_url(request))
    try:
        services.unregister(event=event, user=request.user)
    except services.RegistrationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Votre désinscription est enregistrée."))
    return _back(request, event)


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a cell starting with = + - @ (or a
    tab/carriage return) is prefixed with a quote so it is shown as text."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def registrants_csv(request, event: EventPage):
    if not request.user.is_authenticated:
        return redirect_to_login(event.get_url(request))
    if not can_manage_event(request.user, event):
        raise PermissionDenied
    registrations = (
        event.registrations.filter(cancelled_at__isnull=True)
        .select_related("user", "user__operator", "user__region")
        .order_by("created_at")
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"inscrits-{slugify(event.slug)[:60] or event.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")  # BOM: spreadsheet software then reads UTF-8 correctly
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("Nom"), _("E-mail"), _("Structure"), _("Opérateur"), _("Région"), _("Inscrit·e le")])
    for registration in registrations:
        user = registration.user
        writer.writerow([
            csv_safe(user.public_name),
            csv_safe(user.email),
            csv_safe(user.organisation),
            csv_safe(user.operator.name if user.operator else ""),
            csv_safe(user.region.name if user.region else ""),
            timezone.localtime(registration.created_at).strftime("%d/%m/%Y %H:%M"),
        ])
    return response


@require_GET
@cache_control(public=True, max_age=900)
def agenda_ics(request):
    """Public iCalendar feed: public, published, non-cancelled events, upcoming and of the last 90 days."""
    since = timezone.now() - dt.timedelta(days=FEED_PAST_DAYS)
    events = (
        EventPage.objects.live()
        .filter(visibility=Visibility.PUBLIC, is_cancelled=False, ends_at__gte=since)
        .order_by("starts_at", "pk")
    )
    calendar = build_calendar(list(events), name=f"{settings.WAGTAIL_SITE_NAME} – Agenda")
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="agenda.ics"'
    return response
