"""A process-local cache of rendered template fragments whose keys are *content-addressed*.

A fragment's key is a hash of every value its template reads (the row's data and the reader's
flags), plus the active language, time zone and script prefix. When any of them changes, the key
changes, so a cached fragment can never be stale: no invalidation is needed, and a per-process
cache is correct with several workers. Old keys simply age out (least recently used first, one-hour timeout).

The store is bounded by bytes (``MAX_FRAGMENT_BYTES``, the strings' own sizes as Python holds them) as well as
by entries: fragments range from ~1 kB (a thread row) to ~70 kB (a search's results area, whose text is stored
2 bytes a character as soon as it holds a "…"), so a bound on entries alone was a bound on nothing (4 000
search fragments grew a worker by ~100 MB; docs/performance.md, "Session 16: worker memory").

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

A list whose every row is a fragment keyed by the row's ``fragment_key`` attribute:
``{% fragment_rows items as item %}...{% endfragment_rows %}`` (the same rules, no ``forloop``; one node
for the list, the CSRF token put in once).

Disabled when ``settings.DEBUG`` is on (template edits show at once in development) or when
``FRAGMENT_CACHE`` is False.
"""

from __future__ import annotations

import hashlib
import sys

from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from .lru import ExpiringLRU

FRAGMENT_SECONDS = 3600
MAX_FRAGMENTS = 4000
MAX_FRAGMENT_BYTES = 32 * 1024 * 1024  # per process: key and text of every entry, plus ENTRY_OVERHEAD each
ENTRY_OVERHEAD = 200  # the store's own bytes per entry (ordered-dict slot and link, expiry tuple, float, int)
CSRF_PLACEHOLDER = "comcep-csrf-fragment-placeholder"


def entry_bytes(key: str, html: str) -> int:
    """What an entry holds in memory: ``sys.getsizeof`` of a str is exact (header plus 1, 2 or 4 bytes a
    character, whichever its widest character needs) and costs nothing to read."""
    return sys.getsizeof(key) + sys.getsizeof(html) + ENTRY_OVERHEAD


class FragmentStore(ExpiringLRU):
    """The per-process store of rendered fragments (str), each kept ``timeout`` seconds at most, at most
    ``max_entries`` of them and ``max_bytes`` in all (``entry_bytes``)."""

    def __init__(self, max_entries: int = MAX_FRAGMENTS, timeout: float = FRAGMENT_SECONDS,
                 max_bytes: int = MAX_FRAGMENT_BYTES):
        super().__init__(max_entries, timeout, max_bytes=max_bytes, sizeof=entry_bytes)


FRAGMENTS = FragmentStore()

_enabled: bool | None = None


def enabled() -> bool:
    global _enabled
    if _enabled is None:  # read once (settings' missing attributes are slow to look up), again on changes
        _enabled = bool(getattr(settings, "FRAGMENT_CACHE", not settings.DEBUG))
    return _enabled


def _settings_changed(*, setting, **kwargs):
    global _enabled
    if setting in ("FRAGMENT_CACHE", "DEBUG"):
        _enabled = None


setting_changed.connect(_settings_changed)


def fragment_key(kind: str, *parts) -> str:
    """The key of a fragment of ``kind`` rendered from ``parts`` (plain values: str, int, bool,
    None, datetime...; their ``repr`` is hashed)."""
    return _key((get_language(), get_current_timezone_name(), get_script_prefix()), kind, parts)


def keyer():
    """``fragment_key`` with the language, time zone and script prefix read once, for a view that keys
    many rows in one go (a list's rows): the same keys. Reading the three costs ~60 % of a key (each is
    an ``asgiref.local.Local`` lookup); do not keep a keyer beyond the loop it was made for (the
    language or time zone may be switched afterwards)."""
    env = (get_language(), get_current_timezone_name(), get_script_prefix())

    def key(kind: str, *parts) -> str:
        return _key(env, kind, parts)

    return key


def _key(env: tuple, kind: str, parts: tuple) -> str:
    raw = repr((*env, parts))
    return f"{kind}:{hashlib.blake2b(raw.encode(), digest_size=20).hexdigest()}"


def form_fragment_parts(form) -> tuple:
    """Everything a rendered form depends on, for its fragment key: each field's shown value, the errors
    and every field's choices (value and label). A form whose ``<select>`` choices come from the database
    must have read them into ``field.choices`` beforehand (e.g. ``comcep.taxonomy.options``), so that the
    key holds them and the widgets do not query again."""
    errors = [(name, list(messages)) for name, messages in form.errors.items()] if form.is_bound else []
    return ([(name, form[name].value()) for name in form.fields], errors,
            [[(value, str(label)) for value, label in getattr(field, "choices", ())] for field in form.fields.values()])


def clear() -> None:
    FRAGMENTS.clear()


def cached_count(kind: str) -> int:
    """How many fragments of ``kind`` this process holds (diagnostics, tests)."""
    return sum(1 for key in list(FRAGMENTS._cache) if key.startswith(f"{kind}:"))
