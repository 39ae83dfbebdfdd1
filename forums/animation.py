"""The forums' figures on the animation dashboard (registered in ``ForumsConfig.ready``).

Definitions (docs/animation.md):
- a *thread* counts when it is neither hidden nor awaiting approval (the counting rule);
- a *reply* is a public post (not deleted, hidden or awaiting approval) written after its thread was
  opened, in a thread that counts;
- an *answer* is a public post by someone other than the thread's author: ``Thread.first_reply_at``
  is the date of the first one; a thread without any is *sans réponse* (the author's own follow-ups
  do not count as an answer; the space page's "Sans réponse" filter counts any reply);
- *time to first answer*: ``first_reply_at - created_at``, median over the threads opened in the
  period that have an answer today.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from comcep.animation.periods import PARIS
from comcep.animation.registry import (
    BarChart,
    Figure,
    Link,
    Section,
    SectionData,
    Series,
    SummaryLine,
    Table,
    register_section,
    register_summary_line,
)

from .enums import FlagStatus
from .models import Flag, Post, Thread


def counted_threads():
    return Thread.objects.filter(is_hidden=False, needs_approval=False)


def unanswered_threads():
    """Threads waiting for a first answer, oldest first (the "Sans réponse" list)."""
    return counted_threads().filter(first_reply_at__isnull=True).order_by("created_at", "pk")


def replies():
    return Post.objects.public().filter(thread__is_hidden=False, thread__needs_approval=False,
                                         created_at__gt=F("thread__created_at"))


def _in(period, field="created_at") -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def _per_week(queryset, period) -> dict:
    rows = (queryset.filter(_in(period)).annotate(week=TruncWeek("created_at", tzinfo=PARIS))
            .values("week").annotate(n=Count("pk")).order_by())
    return {row["week"].astimezone(PARIS).date() if hasattr(row["week"], "astimezone") else row["week"]: row["n"]
            for row in rows}


def compute_activity(period) -> SectionData:
    weeks = period.weeks()
    threads = _per_week(counted_threads(), period)
    posts = _per_week(replies(), period)
    labels = [_("semaine du %(day)s") % {"day": date_format(w, "j F Y")} for w in weeks]
    thread_values = [threads.get(w, 0) for w in weeks]
    reply_values = [posts.get(w, 0) for w in weeks]
    short = [date_format(w, "d/m") for w in weeks]
    return SectionData(
        figures=[Figure(_("Sujets ouverts"), sum(thread_values)), Figure(_("Réponses"), sum(reply_values))],
        chart=BarChart(
            title=_("Sujets ouverts et réponses par semaine"), categories=short,
            series=[Series(_("Sujets ouverts"), thread_values), Series(_("Réponses"), reply_values)],
            x_label=_("Semaine (du lundi)"), y_label=_("Nombre"),
        ),
        tables=[Table(_("Sujets et réponses par semaine"), [_("Semaine"), _("Sujets ouverts"), _("Réponses")],
                      [[label, t, r] for label, t, r in zip(labels, thread_values, reply_values, strict=True)])],
        note=_("Les semaines vont du lundi au dimanche (heure de Paris) ; la première et la dernière ne comptent "
               "que les jours de la période."),
    )


def median_first_answer(period) -> timedelta | None:
    """Median time to the first answer of the threads opened in the period (at most 3 queries)."""
    answered = counted_threads().filter(_in(period), first_reply_at__isnull=False)
    n = answered.count()
    if not n:
        return None
    delays = (answered.annotate(delay=ExpressionWrapper(F("first_reply_at") - F("created_at"),
                                                        output_field=DurationField()))
              .order_by("delay", "pk").values_list("delay", flat=True))
    middle = list(delays[(n - 1) // 2: n // 2 + 1])
    return sum(middle, timedelta()) / len(middle)


def format_delay(delay: timedelta | None) -> str:
    if delay is None:
        return "—"
    minutes = int(delay.total_seconds() // 60)
    if minutes < 60:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)d h %(m)02d") % {"h": hours, "m": minutes}
    days = delay.total_seconds() / 86400
    return _("%(d)s jours") % {"d": f"{days:.1f}".replace(".", ",")}


def compute_answers(period) -> SectionData:
    opened = counted_threads().filter(_in(period))
    by_space = list(opened.values("space__title").annotate(
        total=Count("pk"), unanswered=Count("pk", filter=Q(first_reply_at__isnull=True)),
    ).order_by("space__title"))
    total = sum(r["total"] for r in by_space)
    unanswered = sum(r["unanswered"] for r in by_space)
    share = round(100 * unanswered / total, 1) if total else None
    median = median_first_answer(period)
    waiting = unanswered_threads().count()
    rows = [[r["space__title"], r["total"], r["unanswered"],
             round(100 * r["unanswered"] / r["total"], 1) if r["total"] else None] for r in by_space]
    return SectionData(
        figures=[
            Figure(_("Sujets ouverts pendant la période"), total),
            Figure(_("… encore sans réponse"), unanswered),
            Figure(_("Part des sujets sans réponse (%)"), share,
                   display="—" if share is None else f"{share:.1f} %".replace(".", ",")),
            Figure(_("Délai médian de première réponse (heures)"),
                   None if median is None else round(median.total_seconds() / 3600, 2),
                   display=format_delay(median),
                   help_text=_("Entre l'ouverture du sujet et la première réponse d'un autre membre.")),
            Figure(_("Sujets sans réponse aujourd'hui (toutes dates)"), waiting),
        ],
        tables=[Table(_("Sujets ouverts pendant la période, par espace"),
                      [_("Espace"), _("Sujets ouverts"), _("Sans réponse"), _("Part sans réponse (%)")], rows)],
        links=[Link(_("Voir les sujets sans réponse et y répondre"), reverse("forums:unanswered"))],
    )


def compute_moderation(period) -> SectionData:
    open_flags = Flag.objects.filter(status=FlagStatus.OPEN)
    oldest = open_flags.order_by("created_at").values_list("created_at", flat=True).first()
    flags = open_flags.count()
    pending = Post.objects.filter(needs_approval=True, is_deleted=False).count()
    return SectionData(
        figures=[
            Figure(_("Signalements à traiter"), flags),
            Figure(_("Messages en attente de validation"), pending),
            Figure(_("Plus ancien signalement ouvert"), None if oldest is None else oldest.astimezone(PARIS).date(),
                   display="—" if oldest is None else date_format(oldest.astimezone(PARIS), "j F Y")),
        ],
        links=[Link(_("Ouvrir la file de modération"), reverse("forums_moderation:index"))],
    )


def posted_in(period):
    """Activity source for "active members": wrote a post (or opened a thread) in the period."""
    return Post.objects.filter(author=OuterRef("pk"), is_deleted=False).filter(_in(period))


def register() -> None:
    from comcep.animation.members import register_activity_source

    register_activity_source("forums-posts", posted_in)
    register_section(Section("echanges-activite", gettext_lazy("Activité des espaces d'échanges"), compute_activity,
                             order=20, description=gettext_lazy("Sujets ouverts et réponses publiées, par semaine.")))
    register_section(Section("echanges-reponses", gettext_lazy("Sujets sans réponse et délai de réponse"),
                             compute_answers, order=30))
    register_section(Section("moderation", gettext_lazy("File de modération"), compute_moderation, order=70,
                             period_independent=True))
    register_summary_line(SummaryLine("signalements", gettext_lazy("Signalements à traiter"),
                                      lambda: Flag.objects.filter(status=FlagStatus.OPEN).count(),
                                      url=lambda: reverse("forums_moderation:index"), order=30))
    register_summary_line(SummaryLine("sans-reponse", gettext_lazy("Sujets sans réponse"),
                                      lambda: unanswered_threads().count(),
                                      url=lambda: reverse("forums:unanswered"), order=40))
