"""A process-local cache of rendered template fragments whose keys are *content-addressed*.

A fragment's key is a hash of every value its template reads (the row's data and the reader's
flags), plus the active language, time zone and script prefix. When any of them changes, the key
changes, so a cached fragment can never be stale: no invalidation is needed, and a per-process
cache is correct with several workers. Old keys simply age out (LRU-ish culling, one-hour timeout).

Rules for a cached fragment (``{% load fragments %}{% fragment key %}...{% endfragment %}``):
- the view computes ``key`` with :func:`fragment_key` from **everything** the fragment renders or
  tests (permission flags included, e.g. ``is_moderator``, "is the reader the author"); a value the
  template reads but the key omits would be served to readers it was not rendered for;
- ``{% csrf_token %}`` is allowed: the cached copy holds a placeholder that is replaced by the
  current request's token on every render;
- a per-request value the fragment must show (e.g. the search log id in its links) is rendered as a
  placeholder string that the key contains, and ``{% fragment key fills %}`` replaces it on every
  render with its value (``fills``: a dict placeholder -> value, escaped; cached or not);
- nothing else per request (no ``{% now %}``, no messages, no request.GET) inside a fragment.

Disabled when ``settings.DEBUG`` is on (template edits show at once in development) or when
``FRAGMENT_CACHE`` is False.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.urls import get_script_prefix
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

FRAGMENT_SECONDS = 3600
# ~3-6 kB per forum post fragment: at most ~20 MB per worker.
FRAGMENTS = LocMemCache("comcep-fragments", {"TIMEOUT": FRAGMENT_SECONDS,
                                              "OPTIONS": {"MAX_ENTRIES": 4000, "CULL_FREQUENCY": 4}})
CSRF_PLACEHOLDER = "comcep-csrf-fragment-placeholder"


def enabled() -> bool:
    return getattr(settings, "FRAGMENT_CACHE", not settings.DEBUG)


def fragment_key(kind: str, *parts) -> str:
    """The key of a fragment of ``kind`` rendered from ``parts`` (plain values: str, int, bool,
    None, datetime...; their ``repr`` is hashed)."""
    raw = repr((get_language(), get_current_timezone_name(), get_script_prefix(), parts))
    return f"{kind}:{hashlib.blake2b(raw.encode(), digest_size=20).hexdigest()}"


def clear() -> None:
    FRAGMENTS.clear()


def cached_count(kind: str) -> int:
    """How many fragments of ``kind`` this process holds (diagnostics, tests)."""
    return sum(1 for key in list(FRAGMENTS._cache) if key.split(":", 2)[-1].startswith(f"{kind}:"))
