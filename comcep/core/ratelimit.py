"""Fixed-window rate limits ("10/10m": at most 10 actions per 10-minute window), counted in the
database (``RateCounter``: one row per member, scope and window length).

Used by the forums (posting) and the conversations (private messages); each app keeps its own
settings, scope and French message. A count is one atomic upsert (``INSERT … ON CONFLICT DO
UPDATE``: SQLite ≥ 3.24, below the 3.31 that Django 5.2 requires, and PostgreSQL; :func:`take` reads the
count back with ``RETURNING`` where the database has it, SQLite ≥ 3.35, else with a second statement),
written in the caller's transaction: a post that fails
and rolls back is not counted, and concurrent posts are never lost. They lived in the shared cache
before: with the production default cache (the database) a count was three to six queries and
``incr`` a read then a write, which loses counts under concurrency.

An action is counted and checked by :func:`take`, in the transaction that does it: the upsert
first, then the count. On PostgreSQL the upsert locks the member's row until the transaction ends, so
a member's concurrent requests are serialised on it and the last ones see every earlier count; on
SQLite write transactions are serialised anyway. A refused action raises, and the rollback removes
its count. (A check before the act — read the count, then add one — let concurrent requests of one
member each pass on PostgreSQL.)
"""

from __future__ import annotations

import re
import time

from django.db import connection

_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """"10/10m" -> (10, 600); "5/h" -> (5, 3600). Raises ValueError on a malformed rate."""
    match = _RATE_RE.match(rate or "")
    if not match:
        raise ValueError(f"malformed rate {rate!r} (expected e.g. '10/10m')")
    count, amount, unit = match.groups()
    return int(count), int(amount or 1) * _UNITS[unit]


def _slot(window: int) -> int:
    return int(time.time()) // window


def _table() -> str:
    from .models import RateCounter

    return connection.ops.quote_name(RateCounter._meta.db_table)


def used(scope: str, user_id, window: int) -> int:
    """How many actions ``user_id`` made in the current window of ``scope``."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count FROM {_table()} WHERE scope = %s AND user_id = %s AND period = %s "  # noqa: S608
                       "AND slot = %s", [scope, user_id, window, _slot(window)])
        row = cursor.fetchone()
    return row[0] if row else 0


def _upsert_sql(table: str) -> str:
    return (f"INSERT INTO {table} (scope, user_id, period, slot, count) VALUES (%s, %s, %s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (scope, user_id, period) DO UPDATE SET "
            f"count = CASE WHEN {table}.slot = excluded.slot THEN {table}.count + 1 ELSE 1 END, "
            f"slot = excluded.slot")


def hit(scope: str, user_id, window: int) -> None:
    """Count one action in the current window (one statement: the row moves to the current window,
    starting again at 1, or adds 1)."""
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(_table()), [scope, user_id, window, _slot(window)])


def take(scope: str, user_id, window: int, limit: int) -> bool:
    """Count one action of ``user_id`` and say whether it is within ``limit`` for the current window.

    Call it inside the transaction that does the action (a RuntimeError otherwise: in autocommit the
    count of a refused action would be kept) and, when it returns False, raise so that the
    transaction rolls back, its count with it."""
    if not connection.in_atomic_block:
        raise RuntimeError("ratelimit.take must run inside the transaction of the action it counts")
    if connection.features.can_return_columns_from_insert:
        # PostgreSQL, SQLite >= 3.35: the upsert returns the row's count (one statement instead of two).
        with connection.cursor() as cursor:
            cursor.execute(f"{_upsert_sql(_table())} RETURNING count", [scope, user_id, window, _slot(window)])
            return cursor.fetchone()[0] <= limit
    hit(scope, user_id, window)
    with connection.cursor() as cursor:  # the row just written (whatever the clock says by now)
        cursor.execute(f"SELECT count FROM {_table()} WHERE scope = %s AND user_id = %s AND period = %s",  # noqa: S608
                       [scope, user_id, window])
        return cursor.fetchone()[0] <= limit
