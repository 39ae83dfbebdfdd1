"""Periods of the dashboard, in Europe/Paris (the community's time zone, whatever the server's).

A period is ``[start, end)`` between two aware datetimes at local midnight:

- ``30j``: the last 30 days, today included;
- ``12s``: the last 12 ISO weeks (Monday to Sunday), the current one included;
- ``12m``: the last 12 calendar months, the current one included;
- ``perso``: from ``du`` to ``au`` (two dates, both included; at most ``MAX_CUSTOM_DAYS``).

Weekly buckets (charts) start on Monday, local time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PARIS = ZoneInfo("Europe/Paris")
MAX_CUSTOM_DAYS = 3 * 366
DEFAULT = "30j"


def local_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(PARIS).date()


def local_midnight(day: date) -> datetime:
    """Midnight of ``day`` in Paris, as an aware datetime (DST-safe: built from the date)."""
    return datetime.combine(day, time.min, tzinfo=PARIS)


@dataclass(frozen=True)
class Period:
    key: str
    first_day: date
    last_day: date  # included

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        """Exclusive end: midnight after the last day."""
        return local_midnight(self.last_day + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def weeks(self) -> list[date]:
        """Mondays of every week touching the period (first one may start before it)."""
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        weeks = []
        while monday <= self.last_day:
            weeks.append(monday)
            monday += timedelta(days=7)
        return weeks

    @property
    def label(self) -> str:
        from django.utils.formats import date_format

        return _("du %(start)s au %(end)s") % {
            "start": date_format(self.first_day, "j F Y"), "end": date_format(self.last_day, "j F Y")}

    def query(self) -> dict[str, str]:
        """GET parameters that select this period again (links, CSV downloads)."""
        if self.key == "perso":
            return {"periode": "perso", "du": self.first_day.isoformat(), "au": self.last_day.isoformat()}
        return {"periode": self.key}


def last_days(n: int, today: date | None = None) -> Period:
    today = today or local_today()
    return Period("30j" if n == 30 else f"{n}j", today - timedelta(days=n - 1), today)


def last_weeks(n: int, today: date | None = None) -> Period:
    today = today or local_today()
    monday = today - timedelta(days=today.weekday())
    return Period("12s" if n == 12 else f"{n}s", monday - timedelta(weeks=n - 1), monday + timedelta(days=6))


def last_months(n: int, today: date | None = None) -> Period:
    today = today or local_today()
    year, month = today.year, today.month - (n - 1)
    while month <= 0:
        month += 12
        year -= 1
    first = date(year, month, 1)
    next_month = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return Period("12m" if n == 12 else f"{n}m", first, next_month - timedelta(days=1))


def custom(first_day: date, last_day: date) -> Period:
    return Period("perso", first_day, last_day)


class PeriodForm(forms.Form):
    CHOICES = [
        ("30j", _("30 derniers jours")),
        ("12s", _("12 dernières semaines")),
        ("12m", _("12 derniers mois")),
        ("perso", _("Période personnalisée")),
    ]
    periode = forms.ChoiceField(label=_("Période"), choices=CHOICES, required=False)
    du = forms.DateField(label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                         help_text=_("Pour une période personnalisée : premier jour inclus."))
    au = forms.DateField(label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                         help_text=_("Dernier jour inclus."))

    def clean(self):
        data = super().clean()
        if data.get("periode") != "perso":
            return data
        first, last = data.get("du"), data.get("au")
        if not first:
            self.add_error("du", _("Indiquez le premier jour de la période."))
        if not last:
            self.add_error("au", _("Indiquez le dernier jour de la période."))
        if first and last:
            if last < first:
                self.add_error("au", _("Le dernier jour doit être après le premier."))
            elif (last - first).days + 1 > MAX_CUSTOM_DAYS:
                self.add_error("au", _("La période ne peut pas dépasser trois ans."))
        return data

    def period(self, today: date | None = None) -> Period:
        """The chosen period; the default (30 days) when the form is empty or invalid."""
        key = self.cleaned_data.get("periode") if self.is_valid() else DEFAULT
        if key == "12s":
            return last_weeks(12, today)
        if key == "12m":
            return last_months(12, today)
        if key == "perso":
            return custom(self.cleaned_data["du"], self.cleaned_data["au"])
        return last_days(30, today)


def period_from_request(request, today: date | None = None) -> tuple[PeriodForm, Period]:
    form = PeriodForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    period = form.period(today) if form.is_bound else last_days(30, today)
    return form, period
