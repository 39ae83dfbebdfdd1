"""Fixed-window rate limits in the shared cache ("10/10m": at most 10 actions per 10-minute window).

Used by the forums (posting) and the conversations (private messages); each app keeps its own
settings, scope and French message. The cache must be shared by every worker in production
(CACHE_URL: Redis or the database cache; production refuses a per-process cache)."""

from __future__ import annotations

import re
import time

from django.core.cache import cache

_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """"10/10m" -> (10, 600); "5/h" -> (5, 3600). Raises ValueError on a malformed rate."""
    match = _RATE_RE.match(rate or "")
    if not match:
        raise ValueError(f"malformed rate {rate!r} (expected e.g. '10/10m')")
    count, amount, unit = match.groups()
    return int(count), int(amount or 1) * _UNITS[unit]


def _key(scope: str, user_id, window: int) -> str:
    return f"{scope}:{user_id}:{window}:{int(time.time()) // window}"


def used(scope: str, user_id, window: int) -> int:
    """How many actions ``user_id`` made in the current window of ``scope``."""
    return cache.get(_key(scope, user_id, window)) or 0


def hit(scope: str, user_id, window: int) -> None:
    """Count one action in the current window (atomic increment where the cache supports it)."""
    key = _key(scope, user_id, window)
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window)
