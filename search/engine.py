"""Access to the configured search engine (Wagtail's WAGTAILSEARCH_BACKENDS), and
what the search app needs to know about it."""

from __future__ import annotations

import contextvars
import logging
from contextlib import contextmanager

from django.db import DatabaseError
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


# --- Bulk indexing on the database backends ---------------------------------------------
# After every add_items() call, modelsearch's database indexes recompute the average title
# length over the WHOLE index table (to set the title_norm of the new rows): one full scan
# per batch, so a rebuild in batches of 1,000 scanned the table 15 times at 15k entries and
# 100 times at 100k (most of the seeding's search step). Inside ``bulk_indexing()`` that
# refresh is skipped and done once at the end, with the final average.

_bulk = contextvars.ContextVar("search_bulk_indexing", default=False)
_patched = False


def install_bulk_indexing() -> None:
    """Wrap the database indexes' title-norm refresh (idempotent; called in ready())."""
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
    for cls in classes:
        original = cls._refresh_title_norms

        def refresh(self, full=False, _original=original):
            if _bulk.get() and not full:
                return None
            return _original(self, full)

        cls._refresh_title_norms = refresh


@contextmanager
def bulk_indexing():
    """Defer the database backends' title-norm refresh to the end of the block."""
    if _bulk.get():
        yield
        return
    token = _bulk.set(True)
    try:
        yield
    finally:
        _bulk.reset(token)
        for search_backend in write_backends():
            if is_database(search_backend):
                from search.models import SearchEntry

                index = search_backend.get_index_for_model(SearchEntry)
                if hasattr(index, "_refresh_title_norms"):
                    try:
                        index._refresh_title_norms()
                    except ENGINE_ERRORS:
                        logger.exception("search: refreshing the title norms failed")
