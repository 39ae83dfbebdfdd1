"""Per-process caches of the lookups every Wagtail page request repeats (issue 7): the site for the
request's host, the one-level section pages (/ressources/, /agenda/) and the view restrictions of a
page and its ancestors. Each is a statement per request (a round trip, and on PostgreSQL its planning)
whose answer changes only when an editor changes a page, a site or a restriction.

The entries live in this process's memory under a **version token** kept in the default cache (shared
by the worker processes: Redis or the database cache in production, as for resources.facet_index;
``comcep.core.versioned``).
Any save or deletion of a page, a site or a view restriction, a page move, and a bulk seed give the
token a new value (at once and again after commit: a request that read the database between the two
cannot keep what it read), so the next request of every process reads the database again. A request
reads the token once (the first lookup of the request) and keeps it for the rest of the request,
unless the request itself changes the token. Outside a request nothing is memoised: every lookup reads
the token. Versioned's timeout (5 minutes) bounds how long an entry can live in any case (a change
made outside Django).

Deep pages (``/ressources/<slug>/``: the chain of pages and the routed page's specific instance, for
page classes that say they may be kept, ``serve_cacheable``) live in a second store with its own token,
changed together with the first one; document saves and deletions change both too (a kept page's
StreamField holds the documents its blocks chose).

Cached instances are never handed out: each request gets a copy (:func:`fresh`: its own ``__dict__``
and relation cache), so what a request sets on a page stays in that request.

The mechanism itself is :class:`comcep.core.versioned.Versioned` (one instance per version token), which
other per-process caches of rarely changing data use too.
"""

from __future__ import annotations

from django.db import transaction

from .versioned import Versioned

VERSION_KEY = "core:routing:version"
PAGES_VERSION_KEY = "core:routing:pages:version"
#: Deep pages routed by comcep.core.routing.fast_route (a resource page with its parsed body): one entry
#: per page URL, so fewer of them per process than of the few sites, sections and restrictions, and in
#: their own store, so that visits to many pages do not push those out.
MAX_PAGE_ENTRIES = 200

_routing = Versioned(VERSION_KEY)
_pages = Versioned(PAGES_VERSION_KEY, max_entries=MAX_PAGE_ENTRIES)


def _version() -> str:
    return _routing.version()


def get(kind: str, key: tuple, load):
    """The routing entry ``(kind, key)``: see :meth:`Versioned.get`."""
    return _routing.get(kind, key, load)


def get_page(kind: str, key: tuple, load):
    """The page entry ``(kind, key)``: a routed deep page (comcep.core.routing.fast_route) or what a page
    class keeps with it (a resource's documents); see :meth:`Versioned.get`. Both stores change version
    together (:func:`invalidate`)."""
    return _pages.get(kind, key, load)


def fresh(instance):
    """A copy of a cached model instance for one request: its own ``__dict__``, state, relation cache and
    prefetch cache (what ``copy.copy`` gives through ``Model.__getstate__``, at a tenth of its cost);
    the values themselves are shared."""
    cls = type(instance)
    new = cls.__new__(cls)
    attributes = instance.__dict__.copy()
    state = attributes["_state"]
    new_state = type(state).__new__(type(state))
    new_state.__dict__.update(state.__dict__)
    if "fields_cache" in state.__dict__:
        new_state.fields_cache = state.fields_cache.copy()
    attributes["_state"] = new_state
    if "_prefetched_objects_cache" in attributes:
        attributes["_prefetched_objects_cache"] = attributes["_prefetched_objects_cache"].copy()
    new.__dict__.update(attributes)
    return new


def invalidate() -> None:
    """A new routing version now and again once the current transaction commits (both stores)."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    _routing.bump()
    _pages.bump()


def _on_change(**kwargs) -> None:
    invalidate()


def connect() -> None:
    """Called from CoreConfig.ready (every model is registered by then). Saves and deletions are
    watched per model class (a receiver for every sender would keep Django from deleting any model's
    rows in bulk)."""
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save
    from wagtail.documents.models import AbstractDocument
    from wagtail.models import Page, PageViewRestriction, Site
    from wagtail.signals import page_published, page_unpublished, post_page_move

    for model in apps.get_models():
        # Documents: a cached page's StreamField holds the documents its blocks chose (title, file).
        if issubclass(model, (Page, Site, PageViewRestriction, AbstractDocument)):
            label = model._meta.label_lower
            post_save.connect(_on_change, sender=model, dispatch_uid=f"comcep.core.routecache.save.{label}")
            post_delete.connect(_on_change, sender=model, dispatch_uid=f"comcep.core.routecache.delete.{label}")
    post_page_move.connect(_on_change, dispatch_uid="comcep.core.routecache.move")
    page_published.connect(_on_change, dispatch_uid="comcep.core.routecache.publish")
    page_unpublished.connect(_on_change, dispatch_uid="comcep.core.routecache.unpublish")
