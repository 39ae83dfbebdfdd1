"""A short-lived cache of what a search computed over *all* its matches: the total, the
facet counts and the ranked ids of the re-ranking window (or of one page).

Keys hold the normalised query, the filters, the reader's access tokens (the same tokens
give the same visible entries, so a cached summary never shows one reader what another
may open but they may not), the sort and page, and the **index generation**: a random
token that ``search.services`` replaces on every write to the index (immediately and
again when the transaction commits). A search reads the generation before it queries,
so a summary computed while a write was in flight is stored under the old generation
and never read again. If the cache loses the generation, a new one is drawn: every
cached summary is then ignored (a miss, never a stale hit).

Summaries live ``SEARCH_CACHE_SECONDS`` (default 120; 0 disables the cache): the
"recent" boost and the date facet move with the clock, not with writes.

Where they live. The generation is in the default cache, which must be shared by every
process (the production settings refuse a per-process cache); with a per-process cache
(development, the benchmark's locmem cache) a write in one process invalidates that process
only, and the others serve their summaries until they expire. The summaries themselves are
kept in each process (an LRU of ``SEARCH_CACHE_ENTRIES``, default 1 000; a summary, a ranked
window or a page's highlights take 1-3 kB pickled: ~10 MB at most). With the production
default cache, the database, each shared cache read is a query and each write three or four
(a first-visit search page made 38 queries, 22 now), and a summary is cheap to recompute
compared with moving it through the cache. A search then reads the shared cache once, for
the generation.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "search:generation"
_MISSING = object()


class _Store:
    """A per-process LRU whose entries expire. Values are shared, not copied: callers never
    mutate them (tests/search/test_summary_paths.py checks a repeated search's results)."""

    def __init__(self):
        self._entries: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key: str, value, timeout: float, max_entries: int) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + timeout, value)
            self._entries.move_to_end(key)
            while len(self._entries) > max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_store = _Store()


def seconds() -> int:
    return int(getattr(settings, "SEARCH_CACHE_SECONDS", 120))


def generation() -> str:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        value = cache.get(GENERATION_KEY) or uuid.uuid4().hex
    return value


def bump() -> None:
    """Invalidate every cached summary (the index changed)."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def index_changed() -> None:
    """Called by search.services on every write to the index: now (readers in this
    transaction) and after commit (readers that cached the old rows meanwhile)."""
    bump()
    transaction.on_commit(bump)


def key(gen: str, *parts) -> str:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:40]
    return f"search:summary:{gen}:{digest}"


def get(cache_key: str | None):
    if cache_key is None:
        return None
    return _store.get(cache_key)


def get_many(*cache_keys: str | None) -> list:
    """The values of these keys (None for a miss or a None key)."""
    return [get(k) for k in cache_keys]


def put(cache_key: str | None, value) -> None:
    if cache_key is not None and seconds() > 0:
        _store.set(cache_key, value, seconds(), int(getattr(settings, "SEARCH_CACHE_ENTRIES", 1000)))


def clear() -> None:
    """Forget this process's summaries (tests; a new generation makes them unreachable anyway)."""
    _store.clear()
