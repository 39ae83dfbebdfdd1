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

The mechanism itself is :class:`Versioned` (one instance per version token): other per-process caches
of rarely changing data reuse it (``search.permissions``: a reader's groups and private spaces).
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


class Versioned:
    """Per-process entries under a version token kept in the default (shared) cache: the pattern this
    module describes, for the routing caches below and for other per-process caches of data that
    changes rarely (e.g. ``search.permissions``: a reader's groups and private spaces).

    ``invalidate()`` gives the token a new value at once and again after commit. Inside a request
    the token is read once, on first use, together with the tokens of every other :class:`Versioned`
    not read yet in that request (one ``get_many`` of the shared cache: one query at most with the
    database cache), and kept for the rest of the request unless the request changes it."""

    _all: list[Versioned] = []

    def __init__(self, version_key: str, *, timeout: float = TIMEOUT, max_entries: int = MAX_ENTRIES):
        self.version_key = version_key
        self.timeout = timeout
        self.max_entries = max_entries
        self._request_version: ContextVar[object] = ContextVar(f"comcep_version_{version_key}", default=None)
        self._lock = threading.Lock()
        self._entries: dict[tuple, tuple[float, object]] = {}
        Versioned._all.append(self)

    def version(self) -> str:
        memo = self._request_version.get()
        if isinstance(memo, str):
            return memo
        if memo is _UNREAD:  # first use in this request: read every token this request has not read yet
            unread = [v for v in Versioned._all if v._request_version.get() is _UNREAD]
            found = cache.get_many([v.version_key for v in unread])
            for other in unread:
                other._request_version.set(found.get(other.version_key) or other._new_token())
            return self._request_version.get()
        return cache.get(self.version_key) or self._new_token()

    def _new_token(self) -> str:
        version = uuid.uuid4().hex
        if not cache.add(self.version_key, version, None):
            version = cache.get(self.version_key) or version
        return version

    def get(self, kind: str, key: tuple, load):
        """The value of ``load()`` for ``(kind, key)`` under the current version (computed at most once
        per version and process while it stays in memory). ``None`` results are not kept."""
        entry_key = (self.version(), kind, key)
        entry = self._entries.get(entry_key)
        now = time.monotonic()
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load()
        if value is not None:
            with self._lock:
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
                self._entries[entry_key] = (now + self.timeout, value)
        return value

    def bump(self) -> None:
        cache.set(self.version_key, uuid.uuid4().hex, None)
        with self._lock:
            self._entries.clear()
        if self._request_version.get() is not None:
            self._request_version.set(_UNREAD)

    def invalidate(self) -> None:
        """A new version now and again once the current transaction commits."""
        self.bump()
        transaction.on_commit(self.bump)

    def on_change(self, **kwargs) -> None:
        """A signal receiver: ``post_save.connect(versioned.on_change, sender=...)``."""
        self.invalidate()


_routing = Versioned(VERSION_KEY)


def _version() -> str:
    return _routing.version()


def get(kind: str, key: tuple, load):
    """The routing entry ``(kind, key)``: see :meth:`Versioned.get`."""
    return _routing.get(kind, key, load)


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
    """A new routing version now and again once the current transaction commits."""
    _routing.invalidate()


def invalidate_all() -> None:
    """Every :class:`Versioned` cache of the process gets a new version (bulk writes that send no
    signals: ``manage.py seed_bulk``)."""
    for versioned in Versioned._all:
        versioned.invalidate()


def _on_request_started(**kwargs) -> None:
    for versioned in Versioned._all:
        versioned._request_version.set(_UNREAD)


def _on_request_finished(**kwargs) -> None:
    for versioned in Versioned._all:
        versioned._request_version.set(None)


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
