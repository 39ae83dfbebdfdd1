"""The library's figures on the animation dashboard (registered in ``ResourcesConfig.ready``).

Definitions (docs/animation.md):
- *most useful*: the live resources that received the most "utile" votes during the period
  (``UsefulVote.created_at``; withdrawn votes are gone), and the all-time ranking of ``ResourceStats``;
- *most viewed*: views of the resource page counted by ``comcep.animation.counters`` (successful
  GETs of the published page by people and not robots; previews excluded), summed per Paris day;
- *à relire*: live resources whose last review (``last_reviewed_on``, else the date of first
  publication, Paris time) is 12 months old or more, oldest first.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comcep.animation.models import DailyViewCount
from comcep.animation.periods import PARIS, local_today
from comcep.animation.registry import BarChart, Figure, Section, SectionData, Series, Table, register_section

from .models import ResourcePage, ResourceStats, UsefulVote

VIEW_KIND = "resource"
TOP = 10
TO_REVIEW_LIMIT = 200


def _edit_url(page_id: int) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page_id])


def _titles(ids) -> dict[int, str]:
    return dict(ResourcePage.objects.filter(pk__in=list(ids)).values_list("pk", "title"))


def compute_useful(period) -> SectionData:
    votes = list(
        UsefulVote.objects.filter(created_at__gte=period.start, created_at__lt=period.end, page__live=True)
        .values("page_id").annotate(n=Count("pk")).order_by("-n", "page_id")[:TOP]
    )
    totals = dict(ResourceStats.objects.filter(page_id__in=[v["page_id"] for v in votes])
                  .values_list("page_id", "useful_count"))
    titles = _titles(totals.keys() | {v["page_id"] for v in votes})
    period_rows = [[titles.get(v["page_id"], "?"), v["n"], totals.get(v["page_id"], 0)] for v in votes]
    all_time = list(ResourceStats.objects.filter(page__live=True, useful_count__gt=0)
                    .select_related("page").order_by("-useful_count", "page_id")[:TOP])
    return SectionData(
        figures=[Figure(_("Votes « utile » pendant la période"),
                        UsefulVote.objects.filter(created_at__gte=period.start, created_at__lt=period.end).count())],
        tables=[
            Table(_("Ressources ayant reçu le plus de votes « utile » pendant la période"),
                  [_("Ressource"), _("Votes pendant la période"), _("Votes au total")], period_rows,
                  links=[_edit_url(v["page_id"]) for v in votes]),
            Table(_("Ressources les plus utiles depuis leur publication"),
                  [_("Ressource"), _("Votes « utile »"), _("Favoris")],
                  [[s.page.title, s.useful_count, s.bookmark_count] for s in all_time],
                  links=[_edit_url(s.page_id) for s in all_time]),
        ],
    )


def compute_viewed(period) -> SectionData:
    in_period = DailyViewCount.objects.filter(kind=VIEW_KIND, day__gte=period.first_day, day__lte=period.last_day)
    total = in_period.aggregate(total=Sum("count"))["total"] or 0
    top = list(in_period.values("object_id").annotate(n=Sum("count")).order_by("-n", "object_id")[:TOP])
    titles = _titles(v["object_id"] for v in top)
    rows = [[titles.get(v["object_id"], _("(ressource supprimée)")), v["n"]] for v in top]
    return SectionData(
        figures=[Figure(_("Pages de ressources vues"), total)],
        chart=BarChart(_("Ressources les plus consultées"), [r[0] for r in rows],
                       [Series(_("Vues"), [r[1] for r in rows])], x_label=_("Ressource"), y_label=_("Vues"))
        if rows else None,
        tables=[Table(_("Ressources les plus consultées pendant la période"), [_("Ressource"), _("Vues")], rows,
                      links=[_edit_url(v["object_id"]) if v["object_id"] in titles else None for v in top])],
        note=_("Vues des pages publiées par des personnes (robots exclus), comptées en mémoire puis enregistrées "
               "par lots : les dernières minutes peuvent manquer."),
    )


def year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def to_review(today: date | None = None):
    limit = year_before(today or local_today())
    return (ResourcePage.objects.live()
            .annotate(reviewed=Coalesce("last_reviewed_on", TruncDate("first_published_at", tzinfo=PARIS)))
            .filter(reviewed__lte=limit).order_by("reviewed", "pk"))


def compute_to_review(period) -> SectionData:
    today = local_today()
    pages = to_review(today)
    count = pages.count()
    rows = list(pages.values_list("pk", "title", "reviewed", "last_reviewed_on")[:TO_REVIEW_LIMIT])
    table_rows = [[title, reviewed, _("dernière relecture") if last else _("première publication"),
                   (today - reviewed).days // 30] for _pk, title, reviewed, last in rows]
    return SectionData(
        figures=[Figure(_("Ressources à relire"), count)],
        tables=[Table(_("Ressources à relire, de la plus ancienne à la plus récente"),
                      [_("Ressource (lien vers la modification)"), _("Relue ou publiée le"), _("Date de"),
                       _("Mois écoulés")],
                      table_rows, links=[_edit_url(pk) for pk, *_rest in rows],
                      empty_text=_("Aucune ressource à relire : tout a été relu depuis moins de 12 mois."))],
        note=(_("Seules les %(n)d plus anciennes sont listées.") % {"n": TO_REVIEW_LIMIT})
        if count > TO_REVIEW_LIMIT else "",
    )


def register() -> None:
    register_section(Section("ressources-utiles", gettext_lazy("Ressources les plus utiles"), compute_useful,
                             order=40))
    register_section(Section("ressources-vues", gettext_lazy("Ressources les plus consultées"), compute_viewed,
                             order=50))
    register_section(Section(
        "ressources-a-relire", gettext_lazy("Ressources à relire"), compute_to_review, order=60,
        period_independent=True,
        description=gettext_lazy("Ressources publiées dont la dernière relecture (à défaut, la première "
                                 "publication) date de 12 mois ou plus. Une fois la ressource relue, "
                                 "renseignez son champ « dernière relecture le ».")))
