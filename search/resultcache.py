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
kept in each process (``comcep.core.lru``, at most ``SEARCH_CACHE_ENTRIES``, default 1 000; a summary, a ranked
window or a page's highlights take 1-3 kB pickled: ~10 MB at most). With the production
default cache, the database, each shared cache read is a query and each write three or four
(a first-visit search page made 38 queries, 22 now), and a summary is cheap to recompute
compared with moving it through the cache. A search then reads the shared cache once, for
the generation.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from comcep.core.lru import ExpiringLRU

GENERATION_KEY = "search:generation"
_store = ExpiringLRU(max_entries=1000, timeout=120)  # both given again by every put


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
        _store.set(cache_key, value, timeout=seconds(),
                   max_entries=int(getattr(settings, "SEARCH_CACHE_ENTRIES", 1000)))


def clear() -> None:
    """Forget this process's summaries (tests; a new generation makes them unreachable anyway)."""
    _store.clear()
