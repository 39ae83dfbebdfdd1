"""Members figures: new and active members by operator and by region.

Definitions (docs/animation.md):
- *member*: an approved, active, not deleted account;
- *new member*: a member whose account was created (``date_joined``) during the period;
- *active member*: a member who logged in during the period (``last_login``, i.e. their latest
  login falls in it) **or** did something a registered activity source counts (the forums
  register "wrote a post or opened a thread"). ``last_login`` only keeps the latest login, so for
  a period in the past login activity is undercounted; posting activity is exact.

Apps add activity sources with ``register_activity_source(key, fn)``, where ``fn(period)``
returns a queryset of their rows filtered on ``OuterRef("pk")`` of the user (used in ``Exists``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .registry import (
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

_activity_sources: dict[str, Callable] = {}


def register_activity_source(key: str, fn: Callable) -> None:
    _activity_sources[key] = fn


def members_queryset():
    return get_user_model().objects.approved().filter(deleted_at__isnull=True)


def active_q(period) -> Q:
    q = Q(last_login__gte=period.start, last_login__lt=period.end)
    for fn in _activity_sources.values():
        q |= Q(Exists(fn(period)))
    return q


def new_q(period) -> Q:
    return Q(date_joined__gte=period.start, date_joined__lt=period.end)


def _breakdown(period, field: str, terms, unknown_label: str):
    """Rows (name, new, active, total) for every term, in the terms' order, plus "not given"."""
    counts = {
        row[field]: row
        for row in members_queryset().values(field).annotate(
            new=Count("pk", filter=new_q(period)), active=Count("pk", filter=active_q(period)), total=Count("pk"),
        ).order_by()
    }
    rows = []
    for term in terms:
        row = counts.get(term.pk, {})
        rows.append([term.name, row.get("new", 0), row.get("active", 0), row.get("total", 0)])
    row = counts.get(None, {})
    rows.append([unknown_label, row.get("new", 0), row.get("active", 0), row.get("total", 0)])
    return rows


def compute_members(period) -> SectionData:
    from comcep.taxonomy.models import Operator, Region

    columns = [_("Nouveaux membres"), _("Membres actifs"), _("Membres au total")]
    by_operator = _breakdown(period, "operator", Operator.objects.order_by("sort_order", "name"), _("Non renseigné"))
    by_region = _breakdown(period, "region", Region.objects.order_by("sort_order", "name"),
                           _("Non renseignée (ou nationale)"))
    new = sum(r[1] for r in by_operator)
    active = sum(r[2] for r in by_operator)
    total = sum(r[3] for r in by_operator)
    awaiting = get_user_model().objects.awaiting_approval().count()
    return SectionData(
        figures=[
            Figure(_("Nouveaux membres"), new),
            Figure(_("Membres actifs"), active,
                   help_text=_("Connectés ou ayant écrit dans les espaces d'échanges pendant la période.")),
            Figure(_("Membres au total"), total),
            Figure(_("Inscriptions à valider (aujourd'hui)"), awaiting),
        ],
        chart=BarChart(
            title=_("Nouveaux membres et membres actifs par opérateur"),
            categories=[r[0] for r in by_operator],
            series=[Series(_("Nouveaux membres"), [r[1] for r in by_operator]),
                    Series(_("Membres actifs"), [r[2] for r in by_operator])],
            x_label=_("Opérateur"), y_label=_("Membres"),
        ),
        tables=[
            Table(_("Membres par opérateur"), [_("Opérateur"), *columns], by_operator),
            Table(_("Membres par région"), [_("Région"), *columns], by_region),
        ],
        links=[Link(_("Inscriptions à valider"), reverse("membres_adhesions:index"))],
    )


def _awaiting_count() -> int:
    return get_user_model().objects.awaiting_approval().count()


def register() -> None:
    register_section(Section("membres", gettext_lazy("Membres"), compute_members, order=10,
                             description=gettext_lazy("Nouveaux membres et membres actifs, par opérateur et "
                                                      "par région.")))
    register_summary_line(SummaryLine("nouveaux-membres", gettext_lazy("Nouveaux membres (7 derniers jours)"),
                                      _new_members_last_week, order=10))
    register_summary_line(SummaryLine("adhesions", gettext_lazy("Inscriptions en attente de validation"),
                                      _awaiting_count, url=lambda: reverse("membres_adhesions:index"), order=20))


def _new_members_last_week() -> int:
    from .periods import last_days

    return members_queryset().filter(new_q(last_days(7))).count()
