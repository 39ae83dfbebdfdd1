"""Per-process caches of the lookups every Wagtail page request repeats (issue 7): the site for the
request's host, the one-level section pages (/ressources/, /agenda/) and the view restrictions of a
page and its ancestors. Each is a statement per request (a round trip, and on PostgreSQL its planning)
whose answer changes only when an editor changes a page, a site or a restriction.

The entries live in this process's memory under a **version token** kept in the default cache (shared
by the worker processes: Redis or the database cache in production, as for resources.facet_index).
Any save or deletion of a page, a site or a view restriction, a page move, and a bulk seed give the
token a new value (at once and again after commit: a request that read the database between the two
cannot keep what it read), so the next request of every process reads the database again. A request
reads the token once (the first lookup of the request) and keeps it for the rest of the request,
unless the request itself changes the token. Outside a request nothing is memoised: every lookup reads
the token. ``TIMEOUT`` bounds how long an entry can live in any case (a change made outside Django).

Cached instances are never handed out: each request gets a copy (:func:`fresh`: its own ``__dict__``
and relation cache), so what a request sets on a page stays in that request.
"""

from __future__ import annotations

import threading
import time
import uuid
from contextvars import ContextVar

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

VERSION_KEY = "core:routing:version"
TIMEOUT = 300.0  # seconds
MAX_ENTRIES = 500

_UNREAD = object()  # inside a request, token not read yet
_request_version: ContextVar[object] = ContextVar("comcep_routing_version", default=None)

_lock = threading.Lock()
_entries: dict[tuple, tuple[float, object]] = {}


def _version() -> str:
    memo = _request_version.get()
    if isinstance(memo, str):
        return memo
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, version, None):
            version = cache.get(VERSION_KEY) or version
    if memo is _UNREAD:
        _request_version.set(version)
    return version


def get(kind: str, key: tuple, load):
    """The value of ``load()`` for ``(kind, key)`` under the current version (computed at most once per
    version and process while it stays in the cache). ``None`` results are not kept."""
    entry_key = (_version(), kind, key)
    entry = _entries.get(entry_key)
    now = time.monotonic()
    if entry is not None and entry[0] > now:
        return entry[1]
    value = load()
    if value is not None:
        with _lock:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[entry_key] = (now + TIMEOUT, value)
    return value


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


def _bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    with _lock:
        _entries.clear()
    if _request_version.get() is not None:
        _request_version.set(_UNREAD)


def invalidate() -> None:
    """A new version now and again once the current transaction commits."""
    _bump()
    transaction.on_commit(_bump)


def _on_request_started(**kwargs) -> None:
    _request_version.set(_UNREAD)


def _on_request_finished(**kwargs) -> None:
    _request_version.set(None)


def _on_change(**kwargs) -> None:
    invalidate()


def connect() -> None:
    """Called from CoreConfig.ready (every model is registered by then). Saves and deletions are
    watched per model class (a receiver for every sender would keep Django from deleting any model's
    rows in bulk)."""
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import Page, PageViewRestriction, Site
    from wagtail.signals import page_published, page_unpublished, post_page_move

    request_started.connect(_on_request_started, dispatch_uid="comcep.core.routecache.start")
    request_finished.connect(_on_request_finished, dispatch_uid="comcep.core.routecache.finish")
    for model in apps.get_models():
        if issubclass(model, (Page, Site, PageViewRestriction)):
            label = model._meta.label_lower
            post_save.connect(_on_change, sender=model, dispatch_uid=f"comcep.core.routecache.save.{label}")
            post_delete.connect(_on_change, sender=model, dispatch_uid=f"comcep.core.routecache.delete.{label}")
    post_page_move.connect(_on_change, dispatch_uid="comcep.core.routecache.move")
    page_published.connect(_on_change, dispatch_uid="comcep.core.routecache.publish")
    page_unpublished.connect(_on_change, dispatch_uid="comcep.core.routecache.unpublish")
