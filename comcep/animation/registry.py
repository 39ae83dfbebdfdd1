"""The animation dashboard's registry: apps contribute the figures they own.

``comcep.animation`` knows no product app (DESIGN.md: resources, forums and search depend on
``comcep.*``, never the reverse). Each app registers its sections in ``AppConfig.ready``::

    from comcep.animation.registry import Section, Table, register_section

    def unanswered(period):                      # period: comcep.animation.periods.Period
        ...                                      # aggregate in SQL: a fixed number of queries
        return SectionData(figures=[Figure(_("Sujets sans réponse"), 12)],
                           tables=[Table(caption=..., columns=[...], rows=[[...], ...])],
                           chart=BarChart(...))

    register_section(Section("forums-unanswered", _("Sujets sans réponse"), unanswered, order=30))

A section is shown on the dashboard (the default template renders its figures, its chart
with the table alternative, its tables and links) and exported as CSV (its figures, then
every table). ``register_summary_line`` adds a line to the weekly summary e-mail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TEMPLATE = "animation/section.html"


@dataclass
class Figure:
    """A headline number ("Sujets sans réponse : 12 %"). ``value`` is what the CSV holds
    (a number or None when it cannot be computed); ``display`` how the page shows it."""

    label: str
    value: Any
    display: str = ""
    help_text: str = ""

    def __post_init__(self):
        if not self.display:
            self.display = "—" if self.value is None else _format_number(self.value)


@dataclass
class Link:
    label: str
    url: str


@dataclass
class Table:
    """Rows of plain values (str, int, float, date, None). ``links`` optionally gives, per row,
    a URL shown on the first cell (not exported)."""

    caption: str
    columns: Sequence[str]
    rows: list[list[Any]]
    links: list[str | None] | None = None
    empty_text: str = ""

    def cells(self):
        """Rows as (value, url) pairs for the template: the first cell may carry a link."""
        links = self.links or [None] * len(self.rows)
        return [(row, url) for row, url in zip(self.rows, links, strict=False)]


@dataclass
class Series:
    label: str
    values: list[float | int | None]


@dataclass
class BarChart:
    """Grouped vertical bars: one group per category, one bar per series. Rendered as SVG by
    ``comcep.animation.charts``; the same numbers are always given as a table too."""

    title: str
    categories: list[str]
    series: list[Series]
    x_label: str = ""
    y_label: str = ""
    unit: str = ""


@dataclass
class SectionData:
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    chart: BarChart | None = None
    links: list[Link] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class Section:
    """``compute(period) -> SectionData`` must run a fixed number of SQL queries whatever the
    data size (aggregate in SQL). ``period_independent`` sections describe the present state
    (e.g. the flag queue) and say so on the page."""

    key: str
    title: str
    compute: Callable[[Any], SectionData]
    order: int = 100
    description: str = ""
    template: str = DEFAULT_TEMPLATE
    period_independent: bool = False


@dataclass(frozen=True)
class SummaryLine:
    """One line of the weekly summary e-mail: ``count()`` (one query) and a path to act on it."""

    key: str
    label: str
    count: Callable[[], int]
    url: Callable[[], str] | None = None
    order: int = 100


_sections: dict[str, Section] = {}
_summary_lines: dict[str, SummaryLine] = {}


def register_section(section: Section) -> None:
    """Add (or replace, same key) a dashboard section. Call it in ``AppConfig.ready``."""
    if not section.key or not section.key.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"Invalid section key {section.key!r}: letters, digits, - and _ only")
    _sections[section.key] = section


def unregister_section(key: str) -> None:
    _sections.pop(key, None)


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def get_section(key: str) -> Section:
    try:
        return _sections[key]
    except KeyError:
        raise LookupError(f"Unknown dashboard section {key!r}") from None


def register_summary_line(line: SummaryLine) -> None:
    _summary_lines[line.key] = line


def summary_lines() -> list[SummaryLine]:
    return sorted(_summary_lines.values(), key=lambda s: (s.order, s.key))


def _format_number(value) -> str:
    from django.utils.formats import number_format

    if isinstance(value, float):
        return number_format(value, decimal_pos=1, use_l10n=True, force_grouping=True)
    if isinstance(value, int):
        return number_format(value, use_l10n=True, force_grouping=True)
    return str(value)
