"""Access to the configured search engine (Wagtail's WAGTAILSEARCH_BACKENDS), and
what the search app needs to know about it."""

from __future__ import annotations

import logging

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
