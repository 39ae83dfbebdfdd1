"""The animation dashboard in the Wagtail admin, and its CSV exports."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import registry
from .charts import render_bar_chart
from .periods import PARIS, period_from_request

PERMISSION = "animation.view_dashboard"


def can_view_dashboard(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(PERMISSION))


class DashboardPermissionMixin:
    """A real 403 (the site's French page) rather than Wagtail's redirect to the admin home."""

    def dispatch(self, request, *args, **kwargs):
        if not can_view_dashboard(request.user):
            return render(request, "403.html", {"exception": _("Réservé à l'équipe d'animation.")}, status=403)
        return super().dispatch(request, *args, **kwargs)


class DashboardView(DashboardPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "animation/dashboard.html"
    page_title = gettext_lazy("Tableau de bord de l'animation")
    header_icon = "table"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        from django.utils.http import urlencode

        context = super().get_context_data(**kwargs)
        form, period = period_from_request(self.request)
        rendered = []
        for section in registry.sections():
            data = section.compute(period)
            rendered.append({
                "section": section,
                "data": data,
                "chart_svg": render_bar_chart(data.chart, f"graphique-{section.key}") if data.chart else "",
                "chart_table": chart_table(data.chart) if data.chart else None,
            })
        context.update(
            form=form, period=period, sections=rendered, period_query=urlencode(period.query()),
        )
        return context


def chart_table(chart: registry.BarChart) -> registry.Table:
    rows = [[category, *[s.values[i] if i < len(s.values) else None for s in chart.series]]
            for i, category in enumerate(chart.categories)]
    return registry.Table(chart.title, [chart.x_label or _("Catégorie"), *[s.label for s in chart.series]], rows)


# --- CSV ------------------------------------------------------------------------------------
# UTF-8 with a byte-order mark (Excel then reads accents right), ";" as separator and the decimal
# comma (what a French Excel or LibreOffice expects), dates as YYYY-MM-DD, times in Paris.


def csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")  # the decimal comma, whatever the interface language
    if isinstance(value, datetime):
        return value.astimezone(PARIS).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def section_csv(section: registry.Section, data: registry.SectionData, period) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(section.title)])
    if section.period_independent:
        writer.writerow([_("Situation au"), csv_value(datetime.now(PARIS))])
    else:
        writer.writerow([_("Période"), period.first_day.isoformat(), period.last_day.isoformat()])
    if data.figures:
        writer.writerow([])
        writer.writerow([_("Indicateur"), _("Valeur")])
        for figure in data.figures:
            writer.writerow([str(figure.label), csv_value(figure.value)])
    tables = list(data.tables)
    if data.chart is not None and not tables:  # sections usually give the chart's numbers as a table too
        tables.insert(0, chart_table(data.chart))
    for table in tables:
        writer.writerow([])
        writer.writerow([str(table.caption)])
        writer.writerow([str(c) for c in table.columns])
        for row in table.rows:
            writer.writerow([csv_value(v) for v in row])
    return out.getvalue()


def _filename(key: str, period, ext: str) -> str:
    return f"animation-{slugify(key)}-{period.first_day.isoformat()}-{period.last_day.isoformat()}.{ext}"


class ExportView(DashboardPermissionMixin, View):
    """``export/<key>/``: one section as CSV; ``export/``: every section, one CSV each, in a zip."""

    def get(self, request, key: str | None = None):
        _form, period = period_from_request(request)
        if key is not None:
            try:
                section = registry.get_section(key)
            except LookupError:
                raise Http404 from None
            content = "\ufeff" + section_csv(section, section.compute(period), period)
            response = HttpResponse(content.encode("utf-8"), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{_filename(key, period, "csv")}"'
            return response
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for section in registry.sections():
                content = "\ufeff" + section_csv(section, section.compute(period), period)
                archive.writestr(_filename(section.key, period, "csv"), content.encode("utf-8"))
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{_filename("tout", period, "zip")}"'
        return response
