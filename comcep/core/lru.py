"""A per-process LRU whose entries expire: rendered fragments (comcep.core.fragments) and search
summaries (search.resultcache).

Django's LocMemCache did this job, but it validates every key character by character and pickles
every value (~10 µs a read): a page reads 2–50 fragments. Values here are stored as they are and
shared, not copied: callers never mutate them."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict


class ExpiringLRU:
    """At most ``max_entries`` values, each kept ``timeout`` seconds at most (both can be given per
    ``set``, for settings that tests change)."""

    def __init__(self, max_entries: int, timeout: float):
        self.max_entries, self.timeout = max_entries, timeout
        self._cache: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            entry = self._cache.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._cache[key]
                return None
            self._cache.move_to_end(key)
            return entry[1]

    def set(self, key: str, value, *, timeout: float | None = None, max_entries: int | None = None) -> None:
        with self._lock:
            self._cache[key] = (time.monotonic() + (self.timeout if timeout is None else timeout), value)
            self._cache.move_to_end(key)
            limit = self.max_entries if max_entries is None else max_entries
            while len(self._cache) > limit:
                self._cache.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
