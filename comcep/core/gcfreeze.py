"""Keep the garbage collector's full collections short in long-running web workers.

A web worker holds a few hundred thousand long-lived objects that the collector tracks (Django's and
Wagtail's modules, models, URL patterns, compiled templates, the per-process caches): about 240 000 once
the app is loaded, 280 000 after the first requests. Python's generation-2 ("full") collection walks every
one of them; measured in a bench worker it took ~175 ms of CPU (docs/performance.md, "Session 9"), a
pause that the request being served at that moment pays whole (the p99 outliers of the bench).

These objects live as long as the process: ``gc.freeze()`` moves them to the permanent generation, which
collections never walk. deploy/gunicorn.conf.py calls:

- ``freeze_after_app_load()`` from ``post_worker_init`` (the app is loaded in the worker): build what Django
  otherwise builds on the first request (the URL resolver), collect once, freeze;
- ``freeze_after_warmup(worker.nr)`` from ``post_request``: once, after the worker's first
  ``WARMUP_REQUESTS`` requests, freeze again what they built (compiled templates, per-process caches).

Memory: frozen objects are never collected, so only objects that live as long as the process are frozen:
both freezes collect first (no garbage is frozen); the second one runs between two requests, when the
request's objects are gone. The one full collection it costs is paid once per worker, after a response
has been sent.
"""

from __future__ import annotations

import gc

WARMUP_REQUESTS = 200
_warmup_frozen = False


def _build_lazy_state() -> None:
    """What Django builds on a worker's first request and keeps: the URL resolver (all patterns)."""
    from django.conf import settings

    if not settings.configured:
        return
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 — imports the URLconf modules
    resolver._populate()


def freeze_after_app_load() -> int:
    """Collect, then freeze every object alive now; the number of frozen objects."""
    _build_lazy_state()
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def freeze_after_warmup(requests_served: int) -> bool:
    """Once per process, when ``requests_served`` reaches ``WARMUP_REQUESTS``: freeze what the first
    requests built. True when it froze."""
    global _warmup_frozen
    if _warmup_frozen or requests_served < WARMUP_REQUESTS:
        return False
    _warmup_frozen = True
    gc.collect()  # one full pause per worker, so that no garbage is frozen
    gc.freeze()
    return True
