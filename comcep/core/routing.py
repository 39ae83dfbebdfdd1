"""Cheaper Wagtail page serving (issue 7): fewer queries to find a page and check its view restrictions.

Wagtail's default routing walks the tree one level at a time: for every path component, one query for the
child by slug and one for its specific instance (``/ressources/<slug>/``: four queries below the home page).
``fast_route`` finds the whole chain of pages in one query (the page of each depth with the slug of that
path component, on Wagtail's slug index, then the parent/child links checked on the tree paths) and
loads the specific instance of the last page only: two queries, kept per process under
comcep.core.routecache's version token (none while no page changes) when the page class allows it
(``serve_cacheable``). It takes
this shortcut only when every page along the way routes like ``Page.route`` (a page class that overrides
``route``, e.g. a ``RoutablePageMixin`` page, gets the normal walk), and falls back to the normal walk
whenever the chain is incomplete, so the result is the same as Wagtail's. A page class may name, in
``serve_select_related``, relations to load with its specific instance in the same query.

One-level URLs (``/ressources/``, ``/agenda/``) are routed by ``route_child`` with the two queries
Wagtail's ``Page.route`` runs (the child by slug, then its specific instance), compiled once per
process (comcep.core.prepared) instead of on every request, and the specific instance is kept per
process under comcep.core.routecache's version token (a copy per request): no query at all while no
page, site or restriction changes.

``OneQueryViewRestrictionsMixin.get_view_restrictions`` returns the same restrictions as Wagtail's (the
page's and its ancestors', aliases resolved to their source page) in one query instead of two, kept
per process under the same version token (no query while nothing changes).
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import Q
from django.http import Http404
from wagtail.models import Page, PageViewRestriction

from . import routecache
from .prepared import PreparedQuery

# Page.route's two queries for one path component. The parent's path and depth are part of the
# shape (a handful of parents: the site roots), the slug and the page id are parameters.
_CHILD = PreparedQuery(
    "core.route_child",
    lambda parent_path, parent_depth, *, slug: (
        Page.objects.filter(path__startswith=parent_path, depth=parent_depth + 1, slug=slug)
    ),
    params={"slug": str},
)

def route_child(parent: Page, request, slug: str):
    """``Page.route(request, [slug])`` for ``parent``, with the same result."""
    uncached = []  # what the lookup found when it is not kept: nothing (404) or a plain Page

    def load():
        child = _CHILD.first(parent.path, parent.depth, slug=slug)
        page_class = child.specific_class if child is not None else None
        if page_class is None or page_class is Page:
            uncached.append(child)
            return None
        target = _specific(page_class, child.pk)
        if target is None:  # deleted meanwhile
            uncached.append(None)
            return None
        for key, value in child.__dict__.items():  # as Page.specific does: annotations...
            target.__dict__.setdefault(key, value)
        return target

    target = routecache.get("child", (parent.path, parent.depth, slug), load)
    if target is None:
        if not uncached or uncached[0] is None:
            raise Http404
        child = uncached[0]
        child._cached_parent_obj = parent
        return child.specific.route(request, [])
    target = routecache.fresh(target)
    target._cached_parent_obj = parent
    return target.route(request, [])


def _routes_like_page(page_class) -> bool:
    return getattr(page_class, "route", None) is Page.route


#: Deeper URLs are routed by the ORM-built queries (each depth is one compiled shape).
MAX_PREPARED_DEPTH = 8
_CHAINS: dict[int, PreparedQuery] = {}


def _chain_query(levels: int) -> PreparedQuery:
    """The candidate pages of ``levels`` path components below a root (the root's path and
    depth are the shape, the slugs are parameters)."""
    query = _CHAINS.get(levels)
    if query is None:
        names = [f"slug{i}" for i in range(levels)]

        def build(root_path, root_depth, **slugs):
            condition = Q()
            for offset, name in enumerate(names, start=1):
                condition |= Q(depth=root_depth + offset, slug=slugs[name])
            return Page.objects.filter(condition, path__startswith=root_path).order_by("depth", "path")

        query = _CHAINS.setdefault(levels, PreparedQuery(f"core.route_chain_{levels}", build,
                                                         params=dict.fromkeys(names, str)))
    return query


# The routed page's specific instance, with the relations its class asks for (serve_select_related).
_TARGET = PreparedQuery(
    "core.route_target",
    lambda model_label, related, *, pk: (
        apps.get_model(model_label)._default_manager.select_related(*related).filter(pk=pk)
    ),
    params={"pk": int},
)


def _specific(page_class, pk: int):
    """The page ``pk`` as an instance of ``page_class`` (e.g. ResourcePage: its region, author and
    counters in the same query), or None if it was deleted meanwhile."""
    related = tuple(getattr(page_class, "serve_select_related", ()))
    return _TARGET.first(page_class._meta.label, related, pk=pk)


def fast_route(root: Page, request, path_components: list[str]):
    """The RouteResult of ``path_components`` below ``root``, or None to let Wagtail walk the tree.

    The chain of pages found is kept per process under the routing version (comcep.core.routecache),
    with the routed page's specific instance when its class says it may be kept (``serve_cacheable``:
    its ``serve_select_related`` holds nothing that changes without a page save, and it reads such data
    itself per request); otherwise that instance is read on every request. Each request gets its own
    copies."""
    if len(path_components) < 2 or any("/" in c for c in path_components):
        return None
    entry = routecache.get_page("route", (root.path, root.depth, tuple(path_components)),
                                lambda: _find_chain(root, path_components))
    if entry is None:
        return None
    kept_chain, kept_target = entry
    chain, parent = [], root
    for kept in kept_chain:
        page = routecache.fresh(kept)
        page._cached_parent_obj = parent
        chain.append(page)
        parent = page
    if kept_target is not None:
        target = routecache.fresh(kept_target)
    else:
        page_class = chain[-1].specific_class
        if page_class is Page:
            target = chain[-1]
        else:
            target = _specific(page_class, chain[-1].pk)
            if target is None:  # deleted meanwhile
                raise Http404
    target._cached_parent_obj = chain[-2]
    return target.route(request, [])


def _find_chain(root: Page, path_components: list[str]):
    """(the pages of the path, the routed page's specific instance if it may be kept, else None), or
    None when Wagtail's walk must decide (incomplete chain, a page that routes otherwise, deleted)."""
    # One query on the indexed slug column: the candidate page of each level, checked below.
    if len(path_components) <= MAX_PREPARED_DEPTH:
        candidates = _chain_query(len(path_components)).objects(
            root.path, root.depth, **{f"slug{i}": slug for i, slug in enumerate(path_components)})
    else:
        levels = Q()
        for depth, slug in enumerate(path_components, start=root.depth + 1):
            levels |= Q(depth=depth, slug=slug)
        candidates = Page.objects.filter(levels, path__startswith=root.path).order_by("depth", "path")
    chain, parent = [], root
    for page in candidates:
        if page.depth == parent.depth + 1 and page.path[:-page.steplen] == parent.path:
            chain.append(page)
            parent = page
    if len(chain) != len(path_components):
        return None
    for page in chain[:-1]:
        page_class = page.specific_class
        if page_class is None or not _routes_like_page(page_class):
            return None
    page_class = chain[-1].specific_class
    if page_class is None:
        return None
    target = None
    if page_class is not Page and getattr(page_class, "serve_cacheable", False):
        target = _specific(page_class, chain[-1].pk)
        if target is None:  # deleted meanwhile
            return None
    return tuple(chain), target


def _restrictions_queryset(paths):
    chain = Page.objects.filter(path__in=paths)
    return PageViewRestriction.objects.filter(
        Q(page_id__in=chain.filter(alias_of__isnull=True).values("pk"))
        | Q(page_id__in=chain.filter(alias_of__isnull=False).values("alias_of_id"))
    )


# The restrictions of a page and its ancestors: the page's depth is the shape, the tree paths of the
# page and of each ancestor are parameters.
_RESTRICTIONS = PreparedQuery(
    "core.view_restrictions",
    lambda depth, **paths: _restrictions_queryset([paths[f"path{i}"] for i in range(depth)]),
    params={f"path{i}": str for i in range(MAX_PREPARED_DEPTH)},
)


class ViewRestrictions:
    """A page's view restrictions: iterating runs the prepared query (what Wagtail's
    ``check_view_restrictions`` hook does on every page served); anything else (``exists()``,
    ``order_by()`` in the admin) is the ORM queryset's."""

    def __init__(self, paths: list[str]):
        self.paths = paths
        self._result = None

    def queryset(self):
        return _restrictions_queryset(self.paths)

    def _results(self) -> list:
        if self._result is None:
            # Kept per process (a tuple: never None, so "no restriction" is kept too); a copy of each
            # restriction per request.
            cached = routecache.get("restrictions", tuple(self.paths), self._load)
            self._result = [routecache.fresh(restriction) for restriction in cached]
        return self._result

    def _load(self) -> tuple:
        if len(self.paths) <= MAX_PREPARED_DEPTH:
            padded = [*self.paths, *[""] * (MAX_PREPARED_DEPTH - len(self.paths))]
            return tuple(_RESTRICTIONS.objects(
                len(self.paths), **{f"path{i}": path for i, path in enumerate(padded)}))
        return tuple(self.queryset())

    def __iter__(self):
        return iter(self._results())

    def __len__(self) -> int:
        return len(self._results())

    def __bool__(self) -> bool:
        return bool(self._results())

    def __getattr__(self, name):
        return getattr(self.queryset(), name)


class OneQueryViewRestrictionsMixin:
    def get_view_restrictions(self):
        steplen = self.steplen
        return ViewRestrictions([self.path[:end] for end in range(steplen, len(self.path) + 1, steplen)])


class FastRouteMixin:
    """For the site root page: route deep URLs with ``fast_route``."""

    def route(self, request, path_components):
        if len(path_components) == 1:
            return route_child(self, request, path_components[0])
        result = fast_route(self, request, path_components)
        if result is not None:
            return result
        return super().route(request, path_components)
