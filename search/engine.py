"""Access to the configured search engine (Wagtail's WAGTAILSEARCH_BACKENDS), and
what the search app needs to know about it."""

from __future__ import annotations

import contextvars
import hashlib
import logging
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Avg, F, Q, Value
from django.db.models.functions import Length
from modelsearch.backends import get_search_backend, get_search_backends_with_name

logger = logging.getLogger("search")


class SearchUnavailable(Exception):
    """The search engine could not answer (unreachable, timeout, broken index)."""


def _engine_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [ConnectionError, TimeoutError, OSError, DatabaseError]
    try:
        import elastic_transport
        import elasticsearch

        errors += [elastic_transport.TransportError, elasticsearch.ApiError]
    except ImportError:  # pragma: no cover - the client is in requirements.txt
        pass
    try:  # pragma: no cover - only when opensearch-py is installed
        import opensearchpy

        errors += [opensearchpy.exceptions.OpenSearchException]
    except ImportError:
        pass
    return tuple(errors)


#: Errors that mean "the engine failed", caught at the search app's boundary.
ENGINE_ERRORS = _engine_errors()


def backend(name: str = "default"):
    return get_search_backend(name)


def write_backends():
    """Every backend that must receive writes (AUTO_UPDATE not disabled)."""
    return [b for _name, b in get_search_backends_with_name(with_auto_update=True)]


def is_database(search_backend=None) -> bool:
    """True for the database backends (SQLite FTS5, PostgreSQL, MySQL, fallback).

    Those search the stored French stems (see search.french); the external engines
    analyse French themselves and receive the words.
    """
    search_backend = search_backend or backend()
    return type(search_backend).__module__.startswith(
        ("modelsearch.backends.database", "wagtail.search.backends.database")
    )


# --- Title norms on the database backends ----------------------------------------------
# modelsearch's database indexes weight a title match by ``title_norm = lavg / ld`` (BM25's
# length normalisation: lavg is the average title length over the index, ld this entry's).
# Their add_items() ends with ``_refresh_title_norms()``: ``AVG(LENGTH(title))`` over the
# WHOLE index table, then an UPDATE of every row whose title_norm is 1.0 (no index: another
# full scan), inside the write transaction. Every reindex (a thread gets a reply, a page is
# published) therefore cost O(index size) while holding SQLite's write lock, and the replies
# posted meanwhile waited for it (docs/performance.md, finding 2).
#
# Here (modelsearch is pinned, see requirements.txt):
# * lavg is read from the cache (``SEARCH_TITLE_NORM_SECONDS``, default 600 s); when it has
#   expired it is computed again (one AVG) *before* the write transaction (services.send).
#   ``rebuild_search`` and modelsearch's full refresh store the exact value;
#   ``rebuild_search --title-norms`` rewrites every norm with it (maintenance).
# * add_items() sets the title_norm of the rows it has just written, by their key
#   (content type + object ids, modelsearch's unique index) — also rows whose title changed,
#   which modelsearch's SQLite index left with their old norm — and leaves a row alone when its
#   norm is within 1 % of the target (on SQLite every UPDATE of a row re-tokenises it in the
#   FTS table through modelsearch's trigger).
# * Inside ``bulk_indexing()`` (rebuilds, imports, seeding) the norms of the written rows are
#   set once at the end, with the exact lavg computed then.
# A norm computed with an average that is a few minutes old is an approximation of BM25's
# normalisation, as modelsearch's own incremental refresh already was (rows written earlier
# keep the average of their time): it scales how much a title match counts against a body
# match by lavg_then / lavg_now, a few per cent at most once the index has some size.

_bulk = contextvars.ContextVar("search_bulk_indexing", default=None)
_patched = False
#: A norm this close (relative) to its target is not rewritten.
NORM_TOLERANCE = 0.01
_CHUNK = 500


def title_norm_seconds() -> int:
    return max(1, int(getattr(settings, "SEARCH_TITLE_NORM_SECONDS", 600)))


def _average_key(index) -> str:
    connection = index.write_connection
    database = hashlib.sha1(str(connection.settings_dict.get("NAME")).encode(), usedforsecurity=False).hexdigest()[:12]
    return f"search:title-length-average:{type(index).__name__}:{connection.alias}:{database}"


def has_title_norms(index) -> bool:
    return hasattr(index, "_refresh_title_norms") and hasattr(index, "entries")


def exact_title_length_average(index) -> float | None:
    """AVG(LENGTH(title)) over the whole index table (a full scan), stored in the cache."""
    lavg = (index.entries.annotate(title_length=Length("title")).filter(title_length__gt=0)
            .aggregate(Avg("title_length"))["title_length__avg"])
    if lavg:
        cache.set(_average_key(index), float(lavg), title_norm_seconds())
    return float(lavg) if lavg else None


def title_length_average(index) -> float | None:
    """The cached average title length (computed when missing or expired); None: empty index."""
    lavg = cache.get(_average_key(index))
    return lavg if lavg is not None else exact_title_length_average(index)


def set_title_norms(index, content_type_id: int, object_ids, lavg: float | None = None) -> int:
    """Set ``title_norm = lavg / LENGTH(title)`` on the given rows only (by their unique key),
    unless already within NORM_TOLERANCE. Returns how many rows were rewritten."""
    object_ids = [str(i) for i in object_ids]
    if not object_ids:
        return 0
    lavg = lavg or title_length_average(index)
    if not lavg:
        return 0
    rewritten = 0
    for start in range(0, len(object_ids), _CHUNK):
        rows = (index.entries.filter(content_type_id=content_type_id, object_id__in=object_ids[start:start + _CHUNK])
                .annotate(title_length=Length("title")).filter(title_length__gt=0))
        target = Value(lavg) / F("title_length")
        rows = rows.filter(Q(title_norm__lt=target * (1 - NORM_TOLERANCE))
                           | Q(title_norm__gt=target * (1 + NORM_TOLERANCE)))
        rewritten += rows.update(title_norm=target)
    return rewritten


def refresh_all_title_norms(index, *, chunk_size: int = _CHUNK) -> int:
    """Maintenance: the exact lavg, then every row's norm brought within tolerance, chunk by
    chunk of ids (one short write transaction each, so the site keeps writing meanwhile)."""
    lavg = exact_title_length_average(index)
    if not lavg:
        return 0
    rewritten = 0
    last = 0
    while True:
        ids = list(index.entries.filter(id__gt=last).order_by("id").values_list("id", flat=True)[:chunk_size])
        if not ids:
            return rewritten
        last = ids[-1]
        target = Value(lavg) / F("title_length")
        with transaction.atomic(using=index.write_connection.alias):
            rewritten += (index.entries.filter(id__in=ids).annotate(title_length=Length("title"))
                          .filter(title_length__gt=0)
                          .filter(Q(title_norm__lt=target * (1 - NORM_TOLERANCE))
                                  | Q(title_norm__gt=target * (1 + NORM_TOLERANCE)))
                          .update(title_norm=target))


def prepare_write() -> None:
    """Make sure the average title length is cached before a write transaction starts (on
    SQLite, transactions take the write lock at BEGIN; the AVG is a full scan)."""
    if _bulk.get() is not None:
        return
    from search.models import SearchEntry

    for search_backend in write_backends():
        if is_database(search_backend):
            index = search_backend.get_index_for_model(SearchEntry)
            if has_title_norms(index):
                title_length_average(index)


def install_bulk_indexing() -> None:
    """Replace the database indexes' title-norm refresh (idempotent; called in ready())."""
    global _patched
    if _patched:
        return
    _patched = True
    classes = []
    try:
        from modelsearch.backends.database.sqlite.sqlite import SQLiteIndex

        classes.append(SQLiteIndex)
    except (ImportError, LookupError):  # not a SQLite database (no FTS model to bind)
        pass
    try:
        from modelsearch.backends.database.postgres.postgres import PostgresIndex

        classes.append(PostgresIndex)
    except (ImportError, LookupError):  # pragma: no cover - psycopg missing
        pass
    from modelsearch.utils import get_content_type_pk

    for cls in classes:
        original_refresh = cls._refresh_title_norms
        original_add_items = cls.add_items

        def refresh(self, full=False, _original=original_refresh):
            # Only modelsearch's rebuilders ask for a full refresh (a rewrite of every row,
            # exact): keep it, and cache its average. The incremental refresh that add_items()
            # ran after every write is replaced by set_title_norms() below.
            if not full:
                return
            _original(self, True)
            exact_title_length_average(self)
            return

        def add_items(self, model, objs, _original=original_add_items):
            objs = list(objs)
            _original(self, model, objs)
            if not objs or not model.get_search_fields():
                return
            content_type_id = get_content_type_pk(model)
            object_ids = [str(obj.pk) for obj in objs]
            pending = _bulk.get()
            if pending is not None:
                pending.setdefault((type(self), self.write_connection.alias), [self, {}])[1].setdefault(
                    content_type_id, []).extend(object_ids)
                return
            set_title_norms(self, content_type_id, object_ids)

        cls._refresh_title_norms = refresh
        cls.add_items = add_items


@contextmanager
def bulk_indexing():
    """Set the title norms of the rows written in the block once, at its end, with the exact
    average title length (one AVG instead of one per batch)."""
    if _bulk.get() is not None:
        yield
        return
    pending: dict = {}
    token = _bulk.set(pending)
    try:
        yield
    finally:
        _bulk.reset(token)
        for index, written in pending.values():
            try:
                lavg = exact_title_length_average(index)
                for content_type_id, object_ids in written.items():
                    set_title_norms(index, content_type_id, object_ids, lavg)
            except ENGINE_ERRORS:
                logger.exception("search: refreshing the title norms failed")
