"""The weekly summary e-mail to moderators (``manage.py send_animation_summary``, the
``send_animation_summary_task`` task, the ``animation-summary`` systemd timer).

- Recipients: active moderators and administrators (``User.objects.moderators()``) with an
  address, who did not opt out: the notification kind ``animation-summary`` set to *jamais*
  (or every e-mail switched off) on their notification preferences, or the unsubscribe link of
  the mail.
- Idempotent per ISO week (Europe/Paris): a ``SummaryDelivery`` row (unique per week and
  recipient) is inserted in the same transaction as the send; a second run for the same week
  finds the row and sends nothing. If the mail server fails, the transaction rolls back and
  the next run tries again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import SummaryDelivery
from .periods import PARIS
from .registry import summary_lines

logger = logging.getLogger(__name__)

KIND = "animation-summary"


def register() -> None:
    from comcep.notifications.services import register_kind

    register_kind(KIND, _("Résumé hebdomadaire de l'animation (équipe d'animation)"), default_frequency="weekly",
                  audience=lambda user: user.is_active and user.is_moderator,  # recipients(): the moderators
                  description=_("Chaque lundi, pour les modératrices et modérateurs : nouveaux membres, "
                                "inscriptions à valider, signalements, sujets sans réponse. Choisissez « jamais » "
                                "pour ne plus le recevoir."))


def anonymise(user) -> None:
    SummaryDelivery.objects.filter(recipient=user).delete()


def export_member_data(user) -> list[dict]:
    """The weekly summaries the member received (moderators only)."""
    return [{"week": week, "sent_at": sent_at.isoformat()} for week, sent_at in
            SummaryDelivery.objects.filter(recipient=user).order_by("sent_at").values_list("week", "sent_at")]


def iso_week(now: datetime | None = None) -> str:
    year, week, _day = (now or timezone.now()).astimezone(PARIS).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class SummaryReport:
    week: str
    sent: int = 0
    already_sent: int = 0
    opted_out: int = 0
    failed: list[str] = field(default_factory=list)


def recipients():
    from django.contrib.auth import get_user_model

    from comcep.notifications.services import effective_frequencies

    users = list(get_user_model().objects.moderators().exclude(email="").order_by("pk"))
    frequencies = effective_frequencies([u.pk for u in users], KIND)
    wanted = [u for u in users if frequencies.get(u.pk) != "never"]
    return wanted, len(users) - len(wanted)


def summary_context() -> dict:
    """The figures of the mail (one query per registered line) and the dashboard link."""
    from django.conf import settings
    from django.utils import translation

    from comcep.core.links import public_url

    lines = []
    with translation.override(settings.LANGUAGE_CODE):  # the mail is French, like the other mails
        for line in summary_lines():
            lines.append({"label": str(line.label), "count": line.count(),
                          "url": public_url(line.url()) if line.url else ""})
    return {"lines": lines, "dashboard_url": public_url(reverse("animation_dashboard:index"))}


def build_message(user, context: dict, week: str):
    from comcep.notifications.emails import _message

    return _message(user, "animation/email/summary_subject.txt", "animation/email/summary.txt",
                    "animation/email/summary.html", {**context, "week": week}, unsubscribe_kind=KIND)


def send_weekly_summary(now: datetime | None = None) -> SummaryReport:
    week = iso_week(now)
    report = SummaryReport(week=week)
    users, report.opted_out = recipients()
    done = set(SummaryDelivery.objects.filter(week=week).values_list("recipient_id", flat=True))
    context = None
    for user in users:
        if user.pk in done:
            report.already_sent += 1
            continue
        context = context or summary_context()
        try:
            with transaction.atomic():
                # The row first: a concurrent run blocks on it (or fails the unique constraint).
                SummaryDelivery.objects.create(week=week, recipient=user)
                build_message(user, context, week).send()
        except IntegrityError:
            report.already_sent += 1
        except Exception as exc:  # noqa: BLE001 - SMTP errors of any kind: retried next run
            logger.warning("animation summary to user %s failed: %s", user.pk, exc)
            report.failed.append(f"{user.pk}: {exc.__class__.__name__}")
        else:
            report.sent += 1
    return report
