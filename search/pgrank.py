"""PostgreSQL: a short "rank vector" per search entry, so that ranking a first visit does not
read every match's full body vector.

The PostgreSQL engine (modelsearch) matches ``(title || body) @@ tsquery`` through the GIN index
of migration 0004 and ranks ``ts_rank(title) * title_norm + ts_rank(body)``. For common words that
rank is computed for thousands of matches, and the body vectors of long discussions are large and
TOASTed: reading and ranking them was ~60 % of a first visit's summary statement
(docs/performance.md, "Session 6").

Here each entry also has, in the table ``search_entryrank`` (PostgreSQL only, migration 0008; no
Django model, so SQLite and the external engines are unchanged), the vector modelsearch would
build for its body fields — summary, body, stems — **with the body cut to its first
``SEARCH_RANK_BODY_CHARS`` characters** (at a word boundary; the stems are those of the title,
the summary and that beginning). Matching still uses the full ``title || body`` vector: no
result is lost; only the order of entries whose query words appear past those characters can
change. ``SEARCH_RANK_BODY_CHARS = 0`` ranks on the full body vector (exact, slower).

The rows are written with the engine's own (``services.send``: every write path goes through
it), deleted with the entry (``services.remove_source``) and, after a change of the setting,
rewritten by ``manage.py rebuild_search --rank-vectors``. An entry without a row (written before
the migration by a path that bypassed ``send``) is ranked on its full body vector.
"""

from __future__ import annotations

import copy
import logging

from django.conf import settings
from django.db import connections, router

logger = logging.getLogger("search")

TABLE = "search_entryrank"
#: Default of SEARCH_RANK_BODY_CHARS (see docs/performance.md, "Session 6", for the measurements).
DEFAULT_BODY_CHARS = 2000


def body_chars() -> int:
    return max(0, int(getattr(settings, "SEARCH_RANK_BODY_CHARS", DEFAULT_BODY_CHARS) or 0))


def cut(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``text``, ending at a word boundary."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    if not text[limit].isspace():
        space = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
        if space > 0:
            head = head[:space]
    return head


def rank_copy(entry, limit: int):
    """A copy of ``entry`` whose body is its first ``limit`` characters and whose stems are
    those of the title, the summary and that beginning (what the rank vector is made of)."""
    from . import french

    body = entry.body or ""
    if len(body) <= limit:
        return entry
    short = copy.copy(entry)
    short.body = cut(body, limit)
    short.stems = french.stems_text(entry.title, entry.summary or "", short.body)
    return short


def _is_postgres_backend(search_backend) -> bool:
    return type(search_backend).__name__ == "PostgresSearchBackend"


def _connection(model):
    return connections[router.db_for_write(model)]


def write(search_backend, entries) -> int:
    """Write the rank vectors of ``entries`` (SearchEntry objects with their texts) for the
    PostgreSQL engine ``search_backend``; a no-op for the other engines or when the setting is 0.
    Called by ``services.send`` inside the engine's write transaction. Returns rows written."""
    if not entries or not _is_postgres_backend(search_backend):
        return 0
    limit = body_chars()
    if not limit:
        return 0
    from django.db.models.sql.subqueries import InsertQuery
    from modelsearch.backends.database.postgres.postgres import ObjectIndexer
    from modelsearch.conf import get_app_config

    from .models import SearchEntry

    IndexEntry = get_app_config().get_model("IndexEntry")  # noqa: N806
    connection = _connection(SearchEntry)
    # The very expression modelsearch writes into its ``body`` column (same fields, weights and
    # text search configuration), over the shortened copy.
    compiler = InsertQuery(IndexEntry).get_compiler(connection=connection)
    field = IndexEntry._meta.get_field("body")
    rows, params = [], []
    for entry in entries:
        value = compiler.prepare_value(field, ObjectIndexer(rank_copy(entry, limit), search_backend).body)
        sql, vector_params = value.as_sql(compiler, connection)
        rows.append(f"(%s, {sql})")
        params += [entry.pk, *vector_params]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (entry_id, body) VALUES {', '.join(rows)} "  # noqa: S608 - constant table
            # A reply far down a long discussion leaves its beginning, so its vector, unchanged.
            "ON CONFLICT (entry_id) DO UPDATE SET body = EXCLUDED.body "
            f"WHERE {TABLE}.body IS DISTINCT FROM EXCLUDED.body",
            params,
        )
    return len(rows)


def delete(entry_ids) -> None:
    """Delete the rank vectors of these entries (PostgreSQL; no-op elsewhere)."""
    from .models import SearchEntry

    connection = _connection(SearchEntry)
    entry_ids = [int(pk) for pk in entry_ids]
    if connection.vendor != "postgresql" or not entry_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE entry_id = ANY(%s)", [entry_ids])  # noqa: S608


def delete_orphans() -> int:
    """Delete the rank vectors of entries that no longer exist (after a rebuild)."""
    from .models import SearchEntry

    connection = _connection(SearchEntry)
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} r WHERE NOT EXISTS "  # noqa: S608 - constant table names
                       f'(SELECT 1 FROM "{SearchEntry._meta.db_table}" e WHERE e.id = r.entry_id)')
        return cursor.rowcount


def refresh_all(search_backend, *, chunk_size: int = 500) -> int:
    """Rewrite every entry's rank vector (after a change of SEARCH_RANK_BODY_CHARS), one short
    transaction per chunk. With the setting at 0 the table is emptied."""
    from django.db import transaction

    from .models import SearchEntry

    if not _is_postgres_backend(search_backend):
        return 0
    connection = _connection(SearchEntry)
    if not body_chars():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {TABLE}")  # noqa: S608
        return 0
    written, last = 0, 0
    queryset = SearchEntry.objects.only("pk", "title", "summary", "body", "stems").order_by("pk")
    while True:
        chunk = list(queryset.filter(pk__gt=last)[:chunk_size])
        if not chunk:
            break
        last = chunk[-1].pk
        with transaction.atomic(using=connection.alias):
            written += write(search_backend, chunk)
    delete_orphans()
    return written
