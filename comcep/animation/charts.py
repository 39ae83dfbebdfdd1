"""Server-rendered SVG bar charts (no chart library, no script, no inline style).

Readable without colour: the second series is hatched, the third dotted, a legend names them,
axes carry labels and graduations, every bar has a ``<title>`` with its value, and values are
written above the bars when there is room. The SVG is ``role="img"`` with a title and a
description; the page always gives the same numbers as a ``<table>`` (see section.html).
"""

from __future__ import annotations

import math
from itertools import count

from django.utils.formats import number_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .registry import BarChart

FILLS = ["#1d5c96", "url(#{id}-hatch)", "url(#{id}-dots)"]
STROKES = ["#1d5c96", "#8a3b12", "#2f6b2f"]
HEIGHT = 300
TOP, BOTTOM, LEFT, RIGHT = 40, 90, 56, 16
BAR, GAP = 14, 10
_ids = count(1)


def axis_step(value: float) -> float:
    """Step of the 4 graduations: 1, 2 or 5 × 10ⁿ, at least 1 (counts are integers)."""
    raw = max(value, 1) / 4
    exponent = math.floor(math.log10(raw)) if raw >= 1 else 0
    for factor in (1, 2, 5, 10):
        step = factor * 10 ** exponent
        if step >= raw:
            return max(step, 1)
    return 10 ** (exponent + 1)


def _num(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return number_format(value, decimal_pos=1, use_l10n=True)
    return number_format(int(value), use_l10n=True, force_grouping=True)


def render_bar_chart(chart: BarChart, chart_id: str | None = None) -> str:
    chart_id = chart_id or f"graphique-{next(_ids)}"
    groups = len(chart.categories)
    series = chart.series
    group_width = len(series) * BAR + GAP
    plot_width = max(groups * group_width, 200)
    width = LEFT + plot_width + RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    values = [v for s in series for v in s.values if v is not None]
    top = axis_step(max(values, default=0)) * 4
    scale = plot_height / top
    label_every = max(1, math.ceil(groups / 16))
    show_values = groups <= 20

    parts = [
        '<defs>',
        f'<pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fbe3d4"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{STROKES[1]}" stroke-width="3"/></pattern>',
        f'<pattern id="{chart_id}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<rect width="5" height="5" fill="#e2f0e2"/><circle cx="2.5" cy="2.5" r="1.5" fill="{STROKES[2]}"/></pattern>',
        '</defs>',
    ]
    # Graduations and grid.
    for i in range(5):
        tick = top * i / 4
        y = TOP + plot_height - tick * scale
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0"/>')
        parts.append(format_html('<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#333">{}</text>',
                                 LEFT - 6, f"{y + 4:.1f}", _num(tick)))
    # Bars.
    for g, category in enumerate(chart.categories):
        x0 = LEFT + g * group_width + GAP / 2
        for s, serie in enumerate(series):
            value = serie.values[g] if g < len(serie.values) else None
            height = (value or 0) * scale
            x = x0 + s * BAR
            y = TOP + plot_height - height
            fill = FILLS[s % len(FILLS)].format(id=chart_id)
            parts.append(format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}"><title>{} – {} : {}</title></rect>',
                f"{x:.1f}", f"{y:.1f}", BAR - 2, f"{height:.1f}", fill, STROKES[s % len(STROKES)],
                category, serie.label, _num(value)))
            if show_values and value:
                parts.append(format_html(
                    '<text x="{}" y="{}" text-anchor="middle" font-size="10" fill="#222">{}</text>',
                    f"{x + (BAR - 2) / 2:.1f}", f"{y - 3:.1f}", _num(value)))
        if g % label_every == 0:
            cx, ly = f"{x0 + len(series) * BAR / 2:.1f}", TOP + plot_height + 14
            short = category if len(category) <= 20 else category[:19] + "…"
            parts.append(format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#333" '
                'transform="rotate(-40 {} {})">{}</text>', cx, ly, cx, ly, short))
    # Axes and their labels.
    parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_height}" stroke="#333"/>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_width}" y1="{TOP + plot_height}" '
                 f'y2="{TOP + plot_height}" stroke="#333"/>')
    if chart.y_label:
        parts.append(format_html(
            '<text x="12" y="{}" text-anchor="middle" font-size="12" fill="#222" '
            'transform="rotate(-90 12 {})">{}</text>', TOP + plot_height / 2, TOP + plot_height / 2, chart.y_label))
    if chart.x_label:
        parts.append(format_html('<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="#222">{}</text>',
                                 LEFT + plot_width / 2, HEIGHT - 6, chart.x_label))
    # Legend (top right).
    lx = LEFT + 4
    for s, serie in enumerate(series):
        fill = FILLS[s % len(FILLS)].format(id=chart_id)
        parts.append(format_html(
            '<rect x="{}" y="4" width="12" height="12" fill="{}" stroke="{}"/>'
            '<text x="{}" y="14" font-size="12" fill="#222">{}</text>',
            lx, fill, STROKES[s % len(STROKES)], lx + 16, serie.label))
        lx += 16 + 7 * len(str(serie.label)) + 18

    width = max(width, lx)
    description = _("Diagramme en barres : %(series)s, par %(axis)s. Les valeurs figurent dans le tableau "
                    "qui suit.") % {
        "series": ", ".join(str(s.label) for s in series), "axis": str(chart.x_label or _("catégorie")).lower()}
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="animation-chart" role="img" '
        f'viewBox="0 0 {width:.0f} {HEIGHT}" width="{width:.0f}" height="{HEIGHT}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(chart.title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        + "".join(str(p) for p in parts)
        + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every text above is escaped by format_html/escape
