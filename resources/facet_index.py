"""A cached bitmap index of the library's live resources, for facet counts that cost the same at 300 or
100 000 resources (issue 7).

Counting facets in SQL costs one ``COUNT(DISTINCT)`` over the taxonomy through tables per facet, each
filtered by the other facets: linear in the number of resources, on every request (630 ms at 10 000
resources under load). Instead, the library's live resources are numbered once (bit 0 = the most recent,
in the "recent" sort order), and every facet value gets a bitmap (a Python int) of the resources that
carry it. A request then combines bitmaps (AND across facets, OR within one) and counts bits: about a
hundred operations on 10 000-bit integers, microseconds, whatever the data size. The same bitmaps give
the total and, for the "recent" sort, the ids of the page to show (so the list query is ``pk IN (12 ids)``).

Built with three queries (resources, the four through tables in one UNION ALL, the taxonomy terms in one
UNION ALL) and kept in the default cache under a version token. The token is replaced (at once and
again after commit) whenever something that the index reflects changes: a resource page saved (publish, unpublish, draft
saves too: harmless), deleted, its taxonomy M2M changed, a taxonomy term saved or deleted, or a bulk seed.
A request that read the old token can only write under the old key, which nobody reads any more.
With several worker processes the cache must be shared (Redis, ``CACHE_URL``), as for rate limits;
the ``TIMEOUT`` bounds how long a process-local cache could lag behind in any case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import CharField, F, Value

VERSION_KEY = "resources:facet-index:version"
DATA_KEY = "resources:facet-index:{index_id}:{version}"
TIMEOUT = 60 * 60  # seconds; invalidation is explicit, this only bounds a process-local cache's lag
NATIONAL = "national"
TAXONOMY_PARAMS = ("theme", "public", "niveau", "operateur")  # params with a through table

_memo: dict[str, FacetIndex] = {}  # per process: skip unpickling while the version does not change


@dataclass
class FacetIndex:
    ids: list[int]                               # bit position -> page id, "recent" order
    public: int                                  # bitmap of the public resources
    values: dict[str, dict[str, int]]            # facet param -> value slug -> bitmap
    terms: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # param -> [(slug, name)] in order

    @property
    def all(self) -> int:
        return (1 << len(self.ids)) - 1

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_positions", None)  # derived; rebuilt on first use
        state.pop("_theme_names", None)
        return state

    def theme_names(self, page_id: int) -> tuple[str, ...]:
        """The names of a resource's themes in the taxonomy's order (``sort_order``, ``name``: what
        ``page.themes.all()`` gives; themes tied on both show the same name either way), from the
        bitmaps: no query. Memoised per index (the index is memoised per process)."""
        memo = self.__dict__.setdefault("_theme_names", {})
        names = memo.get(page_id)
        if names is None:
            bit = self.positions.get(page_id)
            if bit is None:
                return ()
            bitmaps = self.values.get("theme", {})
            names = memo[page_id] = tuple(name for slug, name in self.terms.get("theme", [])
                                          if bitmaps.get(slug, 0) >> bit & 1)
        return names

    @property
    def positions(self) -> dict[int, int]:
        """Page id -> bit, built once per index (the index is memoised per process)."""
        positions = self.__dict__.get("_positions")
        if positions is None:
            positions = self.__dict__["_positions"] = {pk: bit for bit, pk in enumerate(self.ids)}
        return positions

    def mask_for_ids(self, page_ids) -> int:
        position = self.positions
        mask = 0
        for pk in page_ids:
            bit = position.get(pk)
            if bit is not None:
                mask |= 1 << bit
        return mask

    def selection_mask(self, param: str, selected: list[str]) -> int:
        """OR of the bitmaps of the selected values (unknown values select nothing, like the SQL filter)."""
        bitmaps = self.values.get(param, {})
        mask = 0
        for value in selected:
            mask |= bitmaps.get(value, 0)
        return mask

    def ids_at(self, mask: int, start: int, count: int) -> list[int]:
        """Page ids of the set bits of ``mask`` of rank start..start+count-1, in bit order."""
        bits = format(mask, "b")[::-1]
        found, position, rank = [], bits.find("1"), 0
        while position != -1 and len(found) < count:
            if rank >= start:
                found.append(self.ids[position])
            rank += 1
            position = bits.find("1", position + 1)
        return found


def _bitmap(positions, size: int) -> int:
    buffer = bytearray((size + 7) // 8)
    for position in positions:
        buffer[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(buffer, "little")


def build(index_page) -> FacetIndex:
    from comcep.taxonomy.models import Audience, Operator, Region, ServiceLevel, Theme

    from .enums import Visibility
    from .models import ResourcePage

    rows = list(
        ResourcePage.objects.child_of(index_page).live()
        .order_by(F("first_published_at").desc(nulls_last=True), "-pk")
        .values_list("pk", "kind", "region_id", "visibility")
    )
    size = len(rows)
    ids = [row[0] for row in rows]
    position = {pk: bit for bit, pk in enumerate(ids)}
    positions: dict[str, dict[object, list[int]]] = {"type": {}, "region": {}}
    public = []
    for bit, (_pk, kind, region_id, visibility) in enumerate(rows):
        positions["type"].setdefault(kind, []).append(bit)
        positions["region"].setdefault(region_id if region_id is not None else NATIONAL, []).append(bit)
        if visibility == Visibility.PUBLIC:
            public.append(bit)

    # The four through tables in one query: (param, resource id, term id).
    through = {"theme": ("themes", "theme_id"), "public": ("audiences", "audience_id"),
               "niveau": ("service_levels", "servicelevel_id"), "operateur": ("operators", "operator_id")}
    parts = [
        getattr(ResourcePage, name).through.objects.annotate(facet=Value(param, output_field=CharField()))
        .values_list("facet", "resourcepage_id", column).order_by()
        for param, (name, column) in through.items()
    ]
    for param, page_id, term_id in parts[0].union(*parts[1:], all=True):
        bit = position.get(page_id)
        if bit is not None:
            positions.setdefault(param, {}).setdefault(term_id, []).append(bit)

    # Every taxonomy term in one query: (param, id, slug, name, sort order).
    models = {"theme": Theme, "public": Audience, "niveau": ServiceLevel, "operateur": Operator, "region": Region}
    term_parts = [
        model.objects.annotate(facet=Value(param, output_field=CharField()))
        .values_list("facet", "pk", "slug", "name", "sort_order").order_by()
        for param, model in models.items()
    ]
    terms: dict[str, list[tuple[int, str, str, int]]] = {param: [] for param in models}
    for param, pk, slug, name, sort_order in term_parts[0].union(*term_parts[1:], all=True):
        terms[param].append((sort_order, name, slug, pk))

    values: dict[str, dict[str, int]] = {"type": {kind: _bitmap(bits, size)
                                                  for kind, bits in positions["type"].items()}}
    ordered_terms: dict[str, list[tuple[str, str]]] = {}
    for param, entries in terms.items():
        entries.sort()
        ordered_terms[param] = [(slug, name) for _order, name, slug, _pk in entries]
        by_term = positions.get(param, {})
        values[param] = {slug: _bitmap(by_term.get(pk, ()), size) for _order, _name, slug, pk in entries}
    values["region"][NATIONAL] = _bitmap(positions["region"].get(NATIONAL, ()), size)
    return FacetIndex(ids=ids, public=_bitmap(public, size), values=values, terms=ordered_terms)


def current_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, version, None):
            version = cache.get(VERSION_KEY) or version
    return version


def get(index_page) -> FacetIndex:
    key = DATA_KEY.format(index_id=index_page.pk, version=current_version())
    index = _memo.get(key)
    if index is None:
        index = cache.get(key)
        if index is None:
            index = build(index_page)
            cache.set(key, index, TIMEOUT)
        _memo.clear()
        _memo[key] = index
    return index


def _bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def invalidate() -> None:
    """Give the index a new version now and again once the transaction commits: a request that rebuilt
    it in between from the not yet committed state cannot keep it."""
    _bump()
    transaction.on_commit(_bump)
