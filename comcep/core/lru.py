"""A per-process LRU whose entries expire: rendered fragments (comcep.core.fragments) and search
summaries (search.resultcache).

Django's LocMemCache did this job, but it validates every key character by character and pickles
every value (~10 µs a read): a page reads 2–50 fragments. Values here are stored as they are and
shared, not copied: callers never mutate them."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class ExpiringLRU:
    """At most ``max_entries`` values, each kept ``timeout`` seconds at most (both can be given per
    ``set``, for settings that tests change). With ``sizeof`` (a function of key and value giving the
    bytes an entry holds), also at most ``max_bytes`` in total: the least recently used entries are
    dropped until the new one fits, and a value larger than the whole budget is not stored."""

    def __init__(self, max_entries: int, timeout: float, *, max_bytes: int | None = None,
                 sizeof: Callable[[str, object], int] | None = None):
        if (max_bytes is None) != (sizeof is None):
            raise ValueError("max_bytes and sizeof go together")
        self.max_entries, self.timeout = max_entries, timeout
        self.max_bytes, self._sizeof = max_bytes, sizeof
        self._cache: OrderedDict[str, tuple[float, object, int]] = OrderedDict()  # key -> (expiry, value, bytes)
        self.bytes = 0  # the entries' sizes summed (0 without sizeof)
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            entry = self._cache.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._cache[key]
                self.bytes -= entry[2]
                return None
            self._cache.move_to_end(key)
            return entry[1]

    def set(self, key: str, value, *, timeout: float | None = None, max_entries: int | None = None) -> None:
        size = self._sizeof(key, value) if self._sizeof is not None else 0
        with self._lock:
            old = self._cache.pop(key, None)
            if old is not None:
                self.bytes -= old[2]
            if self.max_bytes is not None and size > self.max_bytes:
                return  # would evict everything else and still not fit
            self._cache[key] = (time.monotonic() + (self.timeout if timeout is None else timeout), value, size)
            self.bytes += size
            limit = self.max_entries if max_entries is None else max_entries
            while len(self._cache) > limit or (self.max_bytes is not None and self.bytes > self.max_bytes):
                self.bytes -= self._cache.popitem(last=False)[1][2]

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self.bytes = 0
