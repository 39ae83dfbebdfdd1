"""Per-process caches of data that changes rarely, under a version token kept in the default cache
(shared by the worker processes: Redis or the database cache in production).

Each :class:`Versioned` keeps its entries in this process's memory, keyed by its current token. A change
of the data gives the token a new value (at once and again after commit: a request that read the database
between the two cannot keep what it read), so every process reads the database again on its next lookup.
Inside a request the tokens are read once, together (one ``get_many``), and kept for the rest of the
request unless the request itself changes one; outside a request every lookup reads its token. ``timeout``
bounds how long an entry can live in any case (a change made outside Django).

Users: ``comcep.core.routecache`` (Wagtail's sites, section pages and view restrictions),
``search.permissions`` (a reader's groups and private spaces), ``search.labels`` (top-level theme links).
:func:`connect` (from CoreConfig.ready) installs the request hooks every instance relies on.
"""

from __future__ import annotations

import threading
import time
import uuid
from contextvars import ContextVar

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

TIMEOUT = 300.0  # seconds
MAX_ENTRIES = 500

_UNREAD = object()  # inside a request, token not read yet


class Versioned:
    """Per-process entries under a version token kept in the default (shared) cache (see the module).

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
                    # Full: the entries of older versions (unreachable) go first; only if the current
                    # version alone fills the cache is it emptied.
                    current = entry_key[0]
                    self._entries = {k: v for k, v in self._entries.items() if k[0] == current}
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


def connect() -> None:
    """Called from CoreConfig.ready: each request reads the tokens once, on first use."""
    request_started.connect(_on_request_started, dispatch_uid="comcep.core.versioned.start")
    request_finished.connect(_on_request_finished, dispatch_uid="comcep.core.versioned.finish")
