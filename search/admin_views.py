"""The moderators' report "Recherches sans résultat" (Wagtail admin, menu Rapports) and its
chooser of a recommended result. Figures and actions: search.gaps."""

from __future__ import annotations

import csv
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import gaps, labels, searcher
from .engine import SearchUnavailable
from .enums import GapStatus
from .models import SearchEntry, SearchGap
from .permissions import MEMBERS, PERSONAL_PREFIX, PUBLIC, reader_for
from .query import parse

PAGE_SIZE = 50
CSV_LIMIT = 10000
ALL = "toutes"
CSV_HEADINGS = [_("Recherche"), _("Forme normalisée"), _("Recherches"), _("Sans résultat"), _("Sans clic"),
                _("Première recherche"), _("Dernière recherche"), _("Statut"), _("Note de suivi"),
                _("Résultat recommandé"), _("Adresse du résultat recommandé")]


def can_view_gaps(user) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_moderator", False))


class ModeratorOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_view_gaps(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class GapFilterForm(forms.Form):
    start = forms.DateField(label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    show = forms.ChoiceField(label=_("Afficher"), required=False, choices=[
        (gaps.SHOW_GAPS, _("Sans résultat ou sans clic")),
        (gaps.SHOW_ZERO, _("Sans résultat")),
        (gaps.SHOW_NO_CLICK, _("Avec résultats mais sans clic")),
        (gaps.SHOW_ALL, _("Toutes les recherches")),
    ])
    status = forms.ChoiceField(label=_("Statut"), required=False, choices=[
        (GapStatus.OPEN, _("À traiter")), (GapStatus.HANDLED, _("Traitées")), (ALL, _("Toutes")),
    ])

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["end"] = data.get("end") or today
        data["start"] = data.get("start") or data["end"] - timedelta(days=29)
        if data["start"] > data["end"]:
            self.add_error("end", _("La date de fin doit suivre la date de début."))
        data["show"] = data.get("show") or gaps.SHOW_GAPS
        data["status"] = data.get("status") or GapStatus.OPEN
        return data


def _access_label(access: str) -> str:
    if access == PUBLIC:
        return gettext("Public")
    if access == MEMBERS:
        return gettext("Membres")
    return gettext("Accès restreint")


class GapReportView(ModeratorOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "search/admin/gaps.html"
    page_title = _("Recherches sans résultat")
    header_icon = "search"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def rows(self, data):
        status = None if data["status"] == ALL else data["status"]
        return gaps.gap_rows(data["start"], data["end"], show=data["show"], status=status)

    def get(self, request, *args, **kwargs):
        params = request.GET.copy()
        today = timezone.localdate()
        for name, default in (("start", today - timedelta(days=29)), ("end", today)):
            if not params.get(name):
                params[name] = default.isoformat()  # shown in the date fields
        form = GapFilterForm(params)
        valid = form.is_valid()
        if valid and request.GET.get("export") == "csv":
            return self.csv(form.cleaned_data)
        context = self.get_context_data(form=form)
        if valid:
            data = form.cleaned_data
            page = Paginator(self.rows(data), PAGE_SIZE).get_page(request.GET.get("page"))
            query = request.GET.copy()
            query.pop("page", None)
            query.pop("export", None)
            context.update(page=page, data=data, query_string=query.urlencode(),
                           csv_query=(query.urlencode() + "&" if query else "") + "export=csv",
                           presets=self.presets())
        return self.render_to_response(context)

    @staticmethod
    def presets():
        today = timezone.localdate()
        return [(label, (today - timedelta(days=days - 1)).isoformat(), today.isoformat())
                for label, days in ((gettext("7 derniers jours"), 7), (gettext("30 derniers jours"), 30),
                                    (gettext("90 derniers jours"), 90), (gettext("12 derniers mois"), 365))]

    def csv(self, data):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = f"recherches-sans-resultat-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response.write("\ufeff")  # BOM: spreadsheet software then reads UTF-8 correctly
        writer = csv.writer(response, delimiter=";")
        writer.writerow([str(heading) for heading in CSV_HEADINGS])

        def when(value):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

        for gap in self.rows(data)[:CSV_LIMIT]:
            entry = gap.recommended_entry
            writer.writerow([_csv_cell(gap.label), _csv_cell(gap.key), gap.searches_count, gap.zero_results,
                             gap.no_click, when(gap.first_seen), when(gap.last_seen), gap.get_status_display(),
                             _csv_cell(gap.note), _csv_cell(entry.title) if entry else "", entry.url if entry else ""])
        return response

    def post(self, request, *args, **kwargs):
        gap = get_object_or_404(SearchGap, pk=gaps.valid_id(request.POST.get("gap")) or 0)
        action = request.POST.get("action", "")
        if action == "handle":
            note = request.POST.get("note", "").replace("\x00", "").strip()[:2000]  # PostgreSQL refuses NUL
            gaps.mark_handled(gap=gap, moderator=request.user, note=note)
            messages.success(request, gettext("« %(query)s » est marquée comme traitée.") % {"query": gap.label})
        elif action == "reopen":
            gaps.reopen(gap=gap, moderator=request.user)
            messages.success(request, gettext("« %(query)s » est de nouveau à traiter.") % {"query": gap.label})
        elif action == "unrecommend":
            gaps.recommend(gap=gap, entry=None, moderator=request.user)
            messages.success(request, gettext("Le résultat recommandé pour « %(query)s » est retiré.") % {
                "query": gap.label})
        else:
            messages.error(request, gettext("Action inconnue."))
        return redirect(_back(request))


def _back(request) -> str:
    url = request.POST.get("next") or ""
    if url.startswith("/admin/") and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return "search_gaps:index"


def _csv_cell(value: str) -> str:
    """No formula injection when the file is opened in a spreadsheet."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class RecommendView(WagtailAdminTemplateMixin, TemplateView):
    """Choose the recommended result of a query: a search over every entry (French matching,
    the moderator sees everything), filterable by type; works without JavaScript."""

    template_name = "search/admin/recommend.html"
    page_title = _("Choisir un résultat recommandé")
    header_icon = "search"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "search_gaps:index", "label": _("Recherches sans résultat")},
                {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        gap = self.gap
        q = (self.request.GET.get("q", gap.label) or "").strip()[:200]
        kind = self.request.GET.get("type", "")
        kinds = sorted(SearchEntry.objects.exclude(access__startswith=PERSONAL_PREFIX).order_by()
                       .values_list("facet_kind", flat=True).distinct())
        if kind not in kinds:
            kind = ""
        context.update(gap=gap, q=q, kind=kind, next=self.request.GET.get("next", ""),
                       kinds=[(k, labels.kind_label(k)) for k in kinds], hits=[], unavailable=False)
        parsed = parse(q)
        if parsed.has_positive or kind:
            try:
                outcome = searcher.run(parsed=parsed, filters=searcher.Filters({"kind": [kind]} if kind else {}),
                                       reader=reader_for(self.request.user).shared(), page=1, page_size=20)
            except SearchUnavailable:
                context["unavailable"] = True
            else:
                context["hits"] = [(hit, _access_label(hit.entry.access)) for hit in outcome.hits]
                context["total"] = outcome.total
        return context

    def dispatch(self, request, *args, **kwargs):
        if not can_view_gaps(request.user):
            raise PermissionDenied
        self.gap = get_object_or_404(SearchGap.objects.select_related("recommended_entry"),
                                     pk=gaps.valid_id(kwargs["pk"]) or 0)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        # Personal entries (a member's private conversation) are never a recommendation:
        # moderators may not read them, and a recommendation is for every reader.
        entry = get_object_or_404(SearchEntry.objects.exclude(access__startswith=PERSONAL_PREFIX),
                                  pk=gaps.valid_id(request.POST.get("entry")) or 0)
        gaps.recommend(gap=self.gap, entry=entry, moderator=request.user)
        messages.success(request, gettext("« %(title)s » sera proposé en premier pour « %(query)s ».") % {
            "title": entry.title, "query": self.gap.label})
        return redirect(_back(request))
