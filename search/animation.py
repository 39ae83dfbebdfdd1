"""Content gaps on the animation dashboard (registered in ``SearchConfig.ready``): the open
searches of the period that found nothing or led to no click (``search.gaps.top_gaps``, one query)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comcep.animation.registry import Figure, Link, Section, SectionData, Table, register_section

from . import gaps

LIMIT = 10


def compute_gaps(period) -> SectionData:
    rows = gaps.top_gaps(period.first_day, period.last_day, limit=LIMIT)
    report = reverse("search_gaps:index") + "?" + urlencode(
        {"start": period.first_day.isoformat(), "end": period.last_day.isoformat()})
    return SectionData(
        figures=[Figure(_("Recherches en échec (les %(n)d plus fréquentes)") % {"n": LIMIT},
                        sum(r["zero_results"] + r["no_click"] for r in rows))],
        tables=[Table(_("Recherches sans résultat ou sans clic, les plus fréquentes"),
                      [_("Recherche"), _("Recherches"), _("Sans résultat"), _("Sans clic"), _("Dernière fois")],
                      [[r["query"], r["searches"], r["zero_results"], r["no_click"], r["last_seen"]] for r in rows],
                      empty_text=_("Aucune recherche en échec pendant la période."))],
        links=[Link(_("Ouvrir le rapport « Recherches sans résultat » (traiter, recommander une ressource)"),
                    report)],
    )


def register() -> None:
    register_section(Section(
        "recherches-sans-resultat", gettext_lazy("Recherches sans résultat"), compute_gaps, order=65,
        description=gettext_lazy("Ce que les membres cherchent sans le trouver : des ressources à écrire ou "
                                 "à mieux référencer.")))
