"""View counters that do not write to the database on every page view.

SQLite has a single writer: one write per GET would serialise every reader of the library.
So ``record_view(kind, object_id)`` only increments a counter in the process's memory, and the
buffer is written to ``DailyViewCount`` (one row per object and Paris day) in ONE transaction
and ONE statement (``INSERT … ON CONFLICT DO UPDATE SET count = count + excluded.count``, which
SQLite ≥ 3.24 and PostgreSQL both understand):

- by the process itself, at the first view recorded more than ``ANIMATION_VIEWS_FLUSH_SECONDS``
  (default 60) after the previous flush;
- when a gunicorn worker exits (``worker_exit`` in deploy/gunicorn.conf.py, best effort), and by
  ``flush()`` (tests, the task).

Precision: counts are exact up to the views still buffered in a process that dies without a
clean exit (at most one flush interval of that worker). Requests from obvious robots
(``bot``, ``spider``, ``crawl``, ``slurp`` in the User-Agent) and non-GET requests are not counted;
repeated views by the same person are (it is a count of views, not of visitors).
Works with any cache (nothing is kept in it) and any number of processes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import date

from django.conf import settings
from django.db import connection, transaction

from .periods import local_today

logger = logging.getLogger(__name__)

ROBOTS = ("bot", "spider", "crawl", "slurp", "preview")

_lock = threading.Lock()
_buffer: Counter[tuple[str, int, date]] = Counter()
_last_flush = time.monotonic()


def flush_interval() -> float:
    return float(getattr(settings, "ANIMATION_VIEWS_FLUSH_SECONDS", 60))


def is_robot(request) -> bool:
    agent = request.headers.get("User-Agent", "").lower()
    return not agent or any(word in agent for word in ROBOTS)


def record_view(kind: str, object_id: int, request=None) -> None:
    """Count one view of an object today (Paris). Never raises: counting must not break a page."""
    global _last_flush
    if request is not None and (request.method != "GET" or is_robot(request)):
        return
    with _lock:
        _buffer[(kind, int(object_id), local_today())] += 1
        due = time.monotonic() - _last_flush >= flush_interval()
    if due:
        try:
            flush()
        except Exception:  # noqa: BLE001 - keep the page up; the counts stay buffered
            logger.exception("view counts could not be written; kept in memory")


def pending() -> dict:
    with _lock:
        return dict(_buffer)


def flush() -> int:
    """Write the buffered counts; return how many (object, day) rows were touched."""
    global _last_flush
    with _lock:
        items = list(_buffer.items())
        _buffer.clear()
        _last_flush = time.monotonic()
    if not items:
        return 0
    from .models import DailyViewCount

    q = connection.ops.quote_name
    table, count = q(DailyViewCount._meta.db_table), q("count")
    # Only constant identifiers are interpolated; the values are parameters.
    sql = (
        f"INSERT INTO {table} ({q('kind')}, {q('object_id')}, {q('day')}, {count}) VALUES (%s, %s, %s, %s) "  # noqa: S608
        f"ON CONFLICT ({q('kind')}, {q('object_id')}, {q('day')}) "
        f"DO UPDATE SET {count} = {table}.{count} + excluded.{count}"
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, [(kind, object_id, day, n) for (kind, object_id, day), n in items])
    except Exception:
        with _lock:  # put them back for the next flush
            for key, n in items:
                _buffer[key] += n
        raise
    return len(items)


def discard() -> None:
    """Forget the buffer (tests)."""
    with _lock:
        _buffer.clear()


def flush_at_exit() -> None:
    """For the application server's worker-exit hook (deploy/gunicorn.conf.py)."""
    try:
        flush()
    except Exception:  # noqa: BLE001 - the process is going away
        logger.warning("view counts lost at exit: %s", sum(_buffer.values()))
