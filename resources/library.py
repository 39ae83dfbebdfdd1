"""The library listing: filters that combine (AND across facets, OR within a facet),
counts per value, sorting and pagination, all from a clean GET query string.

Counts for a facet are computed on the resources the reader may see, filtered by every
*other* facet (the usual faceted-search rule: with OR inside a facet, the count of a value
is what the list would hold once that value is added). They come from a cached bitmap index
(resources.facet_index), so the page costs the same queries and about the same time whatever
the number of resources or active filters.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field, fields
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from comcep.core.access import sentinel_reader
from comcep.core.fragments import fragment_key
from comcep.core.prepared import PreparedQuery
from comcep.taxonomy.models import Audience, Operator, Region, ServiceLevel, Theme

from . import facet_index
from .enums import ResourceKind, SortOrder, Visibility, kind_label
from .models import ResourcePage, can_read_members_only, url_below

PER_PAGE = 12
NATIONAL = "national"
MAX_VALUES_PER_FACET = 50  # a crafted URL cannot make a query with thousands of parameters


@dataclass(frozen=True)
class Facet:
    param: str          # GET parameter ("theme")
    label: str          # French legend
    lookup: str         # ResourcePage lookup for the slug ("themes__slug")
    model: type | None  # taxonomy model, None for kind
    relation: str = ""  # name of the reverse relation from the taxonomy model to resources


FACETS = [
    Facet("type", _("Type de ressource"), "kind", None),
    Facet("theme", _("Thème"), "themes__slug", Theme, "resources"),
    Facet("public", _("Public"), "audiences__slug", Audience, "resources"),
    Facet("niveau", _("Niveau de service"), "service_levels__slug", ServiceLevel, "resources"),
    Facet("operateur", _("Opérateur"), "operators__slug", Operator, "resources"),
    Facet("region", _("Région"), "region__slug", Region, "resources"),
]
FACET_PARAMS = [f.param for f in FACETS]


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class FacetResult:
    facet: Facet
    options: list[FacetOption] = field(default_factory=list)

    @property
    def param(self):
        return self.facet.param

    @property
    def label(self):
        return self.facet.label

    @property
    def has_selection(self):
        return any(o.selected for o in self.options)


SLUG_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")  # filter values are taxonomy slugs


class LibraryQuery:
    """The state of the listing read from the query string (unknown values are ignored)."""

    def __init__(self, params, *, text_query: str = ""):
        self.selected: dict[str, list[str]] = {}
        for facet in FACETS:
            values = []
            for value in params.getlist(facet.param)[:MAX_VALUES_PER_FACET]:
                value = value.strip()
                if value and value not in values and SLUG_RE.fullmatch(value):
                    values.append(value)
            if values:
                self.selected[facet.param] = values
        raw_text = text_query or params.get("q", "")
        self.text_query = " ".join(raw_text.replace("\x00", " ").split())[:200]
        sort = params.get("tri", "")
        if sort not in self.sort_values():
            sort = self.default_sort()
        self.sort = sort
        self.page_number = params.get("page", "1")

    # "pertinence" is offered only when a text query exists.
    def sort_values(self) -> list[str]:
        values = [SortOrder.RECENT, SortOrder.USEFUL]
        if self.text_query:
            values.insert(0, SortOrder.RELEVANCE)
        return [str(v) for v in values]

    def default_sort(self) -> str:
        return SortOrder.RELEVANCE if self.text_query else SortOrder.RECENT

    def sort_choices(self):
        return [(value, SortOrder(value).label) for value in self.sort_values()]

    def facet_filter(self, facet: Facet) -> Q:
        values = self.selected.get(facet.param)
        if not values:
            return Q()
        if facet.param == "region":
            q = Q(region__slug__in=[v for v in values if v != NATIONAL])
            if NATIONAL in values:
                q |= Q(region__isnull=True)
            return q
        return Q(**{f"{facet.lookup}__in": values})

    def filtered(self, qs, *, except_facet: Facet | None = None):
        """Apply every facet (but one). M2M facets are applied as ``pk__in`` subqueries so
        that combining them never multiplies rows."""
        for facet in FACETS:
            if facet is except_facet or facet.param not in self.selected:
                continue
            condition = self.facet_filter(facet)
            if facet.model is None or facet.param == "region":
                qs = qs.filter(condition)
            else:
                qs = qs.filter(pk__in=ResourcePage.objects.filter(condition).values("pk"))
        return qs

    def querystring(self, *, page: int | None = None, without: tuple[str, str] | None = None,
                    sort: str | None = None) -> str:
        """Canonical query string of this state (stable order: bookmarkable, cacheable)."""
        pairs = [("q", self.text_query)] if self.text_query else []
        for facet in FACETS:
            for value in self.selected.get(facet.param, []):
                if without and without == (facet.param, value):
                    continue
                pairs.append((facet.param, value))
        chosen_sort = sort or self.sort
        if chosen_sort != self.default_sort():
            pairs.append(("tri", chosen_sort))
        if page and page > 1:
            pairs.append(("page", str(page)))
        return urlencode(pairs)

    @property
    def active_filter_count(self) -> int:
        return sum(len(v) for v in self.selected.values()) + (1 if self.text_query else 0)


def order(qs, sort: str, ranked_ids: list[int] | None = None):
    if sort == SortOrder.RELEVANCE and ranked_ids:
        rank = Case(*[When(pk=pk, then=Value(position)) for position, pk in enumerate(ranked_ids)],
                    default=Value(len(ranked_ids)), output_field=IntegerField())
        return qs.order_by(rank, "-pk")
    if sort == SortOrder.USEFUL:
        return qs.order_by(F("stats__useful_count").desc(nulls_last=True),
                           F("first_published_at").desc(nulls_last=True), "-pk")
    return qs.order_by(F("first_published_at").desc(nulls_last=True), "-pk")


def facet_counts(index: facet_index.FacetIndex, visible: int, query: LibraryQuery) -> tuple[list[FacetResult], int]:
    """Counts of every facet value from the cached bitmap index (see resources.facet_index), and the
    bitmap of the resources the list holds. ``visible``: bitmap of what the reader may see."""
    selections = {param: index.selection_mask(param, values) for param, values in query.selected.items()}
    results = []
    for facet in FACETS:
        mask = visible
        for param, selection in selections.items():
            if param != facet.param:
                mask &= selection
        selected = set(query.selected.get(facet.param, []))
        bitmaps = index.values.get(facet.param, {})
        result = FacetResult(facet)
        if facet.model is None:  # kind
            for kind in ResourceKind:
                count = (bitmaps.get(kind.value, 0) & mask).bit_count()
                result.options.append(FacetOption(kind.value, kind.label, count, kind.value in selected))
        else:
            if facet.param == "region":
                national = (bitmaps.get(NATIONAL, 0) & mask).bit_count()
                result.options.append(FacetOption(NATIONAL, str(_("National")), national, NATIONAL in selected))
            for slug, name in index.terms.get(facet.param, []):
                result.options.append(FacetOption(slug, name, (bitmaps.get(slug, 0) & mask).bit_count(),
                                                  slug in selected))
        results.append(result)
    matching = visible
    for selection in selections.values():
        matching &= selection
    return results, matching


_WINDOW_IDS = [f"id{i}" for i in range(PER_PAGE)]


@dataclass(frozen=True)
class ResourceCard:
    """Everything a library card shows: templates/resources/includes/resource_card.html reads these
    fields and nothing else, and the card's fragment key is made of all of them (:attr:`fragment_key`),
    so a field the template shows can never be missing from the key."""

    pk: int
    url: str
    title: str
    summary: str
    kind_label: str
    is_members_only: bool
    first_published_at: datetime.datetime | None
    region_name: str | None
    useful_count: int
    theme_names: tuple[str, ...]

    @property
    def fragment_key(self) -> str:
        return fragment_key("library-card", *(getattr(self, f.name) for f in fields(self)))

    @classmethod
    def from_page(cls, page: ResourcePage, request) -> ResourceCard:
        """From a page loaded with ``for_listing()`` (stats, region and themes without queries)."""
        return cls(page.pk, page.get_url(request), page.title, page.summary, str(page.kind_label),
                   page.is_members_only, page.first_published_at, page.region.name if page.region_id else None,
                   page.useful_count, tuple(theme.name for theme in page.themes.all()))


# One page of the "recent" list: the cards' values of ``pk IN (12 ids)`` among what the reader may see
# (their themes' names come from the facet index); compiled once per kind of reader
# (missing ids are padded with 0, which no page has). No page instances: the cards come from the
# fragment cache, and building 12 Wagtail pages with a prefetch cost more than the rest of the page.
_WINDOW = PreparedQuery(
    "resources.library_window_cards",
    lambda members, **ids: (
        ResourcePage.objects.filter(pk__in=[ids[name] for name in _WINDOW_IDS])
        .visible_to(sentinel_reader(members, can_read_members_only))
        .order_by().values_list("pk", "url_path", "title", "summary", "kind", "visibility", "first_published_at",
                                "region__name", "stats__useful_count")
    ),
    params=dict.fromkeys(_WINDOW_IDS, int),
)
class RecentWindow:
    """The list in the "recent" sort, read from the index's bit order: a page costs one
    ``pk IN (...)`` query (the themes' names come from the index) whatever the number of resources
    (Paginator slices it).
    Items are :class:`ResourceCard`; ``url_base`` is the library's (url_path, URL), from which
    ``models.url_below`` gives each resource's URL without loading it."""

    def __init__(self, index: facet_index.FacetIndex, matching: int, total: int, user, url_base: tuple[str, str]):
        self.index, self.matching, self.total, self.user = index, matching, total, user
        self.url_base = url_base

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, item):
        if not isinstance(item, slice):
            raise TypeError("RecentWindow only supports slices")
        start, stop = item.start or 0, item.stop if item.stop is not None else self.total
        ids = self.index.ids_at(self.matching, start, max(0, stop - start))
        if not ids:
            return []
        if len(ids) > PER_PAGE:  # a Paginator slice is one page
            raise ValueError("RecentWindow serves one page at a time")
        padded = dict(zip(_WINDOW_IDS, [*ids, *[0] * (PER_PAGE - len(ids))], strict=True))
        rows = _WINDOW.rows(can_read_members_only(self.user), **padded)
        rank = {pk: position for position, pk in enumerate(ids)}
        # The themes' names from the index (same version as the ids: a theme renamed or a resource's
        # themes changed give a new index), not from a query.
        cards = [
            ResourceCard(pk, url_below(self.url_base, url_path), title, summary, str(kind_label(kind)),
                         visibility == Visibility.MEMBERS, published, region, useful or 0,
                         self.index.theme_names(pk))
            for pk, url_path, title, summary, kind, visibility, published, region, useful in rows
        ]
        return sorted(cards, key=lambda card: rank[card.pk])


def build_library(request, index_page, *, text_query: str = "") -> dict:
    user = request.user
    query = LibraryQuery(request.GET, text_query=text_query)
    ranked_ids, search_unavailable = text_matches(query.text_query, user)
    index = facet_index.get(index_page)
    visible = index.all if can_read_members_only(user) else index.public
    if ranked_ids is not None:
        visible &= index.mask_for_ids(ranked_ids)
    facets, matching = facet_counts(index, visible, query)
    total = matching.bit_count()
    if query.sort == SortOrder.RECENT:
        object_list = RecentWindow(index, matching, total, user, (index_page.url_path, index_page.get_url(request)))
    else:
        base = ResourcePage.objects.child_of(index_page).visible_to(user)
        if ranked_ids is not None:
            base = base.filter(pk__in=ranked_ids)
        object_list = order(query.filtered(base), query.sort, ranked_ids).for_listing()
    paginator = Paginator(object_list, PER_PAGE)
    paginator.count = total  # from the bitmaps: no COUNT query
    page_obj = paginator.get_page(query.page_number)
    active = []
    for facet_result in facets:
        for option in facet_result.options:
            if option.selected:
                # Translators: an active filter of the library, "Thème : VAE" (English: "Theme: VAE").
                active.append({"text": _("%(facet)s : %(value)s") % {"facet": facet_result.label,
                                                                     "value": option.label},
                               "remove_qs": query.querystring(without=(facet_result.param, option.value))})
    if query.text_query:
        # Translators: the library's words filter, « Texte : « entretien » » (English: Text: “entretien”).
        active.insert(0, {"text": _("Texte : « %(text)s »") % {"text": query.text_query},
                          "remove_qs": _without_text(request.GET)})
    return {
        "query": query,
        "search_unavailable": search_unavailable,
        "page_obj": page_obj,
        "resources": [item if isinstance(item, ResourceCard) else ResourceCard.from_page(item, request)
                      for item in page_obj.object_list],
        "facets": facets,
        "active_filters": active,
        "sort_links": [
            {"value": value, "label": label, "current": value == query.sort, "qs": query.querystring(sort=value)}
            for value, label in query.sort_choices()
        ],
        "show_members_label": can_read_members_only(user),
        "page_qs": {
            "previous": query.querystring(page=page_obj.previous_page_number()) if page_obj.has_previous() else None,
            "next": query.querystring(page=page_obj.next_page_number()) if page_obj.has_next() else None,
        },
        "canonical_qs": query.querystring(page=page_obj.number),
    }


def text_matches(text: str, user) -> tuple[list[int] | None, bool]:
    """Resources matching a text query, best first, through the unified search (same French
    analysis and permissions). (None, False) without a query; (None, True) if search failed:
    the library then lists without the text filter and says so."""
    if not text:
        return None, False
    from search.engine import SearchUnavailable
    from search.permissions import reader_for
    from search.searcher import ranked_source_ids

    try:
        ids = ranked_source_ids(text, reader=reader_for(user), kind="resource")
    except SearchUnavailable:
        return None, True
    if ids is None:
        return None, False
    return [int(pk) for pk in ids if str(pk).isdigit()], False


def _without_text(params) -> str:
    copy = params.copy()
    copy.pop("q", None)
    copy.pop("page", None)
    return LibraryQuery(copy).querystring()
