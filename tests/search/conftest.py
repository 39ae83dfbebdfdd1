import itertools
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.utils import timezone

from search import searcher, services
from search.registry import EntryData

_ids = itertools.count(1)


@pytest.fixture
def make_entry(db):
    """Create a search entry through the search services (as an indexer would). Its
    source type (auth.Permission) has no indexer: rebuilds keep it unless purged."""

    def make(title, *, body="", summary="", kind="resource", subkind="fiche-pratique", access="public",
             themes=(), audiences=(), service_levels=(), region="", days_ago=10, useful=0, url=None, **extra):
        n = next(_ids)
        data = EntryData(
            kind=kind, subkind=subkind, title=title, summary=summary, body=body, url=url or f"/ressources/e{n}/",
            access=access, themes=list(themes), audiences=list(audiences), service_levels=list(service_levels),
            region=region, published_at=timezone.now() - timedelta(days=days_ago), useful_count=useful, **extra,
        )
        return services.upsert(data, source_type=Permission, source_id=100000 + n)

    return make


@pytest.fixture
def private_group(db):
    return Group.objects.create(name="Espace privé VAE")


def titles(response_or_outcome):
    if hasattr(response_or_outcome, "hits"):
        return [h.entry.title for h in response_or_outcome.hits]
    return [r["title"] for r in response_or_outcome.json()["results"]]


def run_search(q="", user=None, sort="pertinence", page=1, **filters):
    from django.contrib.auth.models import AnonymousUser

    from search import searcher
    from search.permissions import reader_for
    from search.query import parse

    filters = {k: (v if isinstance(v, list) else [v]) for k, v in filters.items()}
    return searcher.run(parsed=parse(q), filters=searcher.Filters(filters), reader=reader_for(user or AnonymousUser()),
                        sort=sort, page=page)


@pytest.fixture
def gin_statements(monkeypatch):
    """The statements the search ran with the planner kept on the GIN index
    (``searcher.run_on_gin_index``), as (sql, params)."""
    recorded = []
    run = searcher.run_on_gin_index

    def recording(sql, params):
        recorded.append((sql, list(params)))
        return run(sql, params)

    monkeypatch.setattr(searcher, "run_on_gin_index", recording)
    return recorded


def hinted(captured_queries, fragment: str) -> bool:
    """Whether the captured statement containing ``fragment`` ran with sequential scans off: the
    hint in the same query string, whatever the parameter binding (DATABASE_SERVER_SIDE_BINDING)."""
    [sql] = [query["sql"] for query in captured_queries if fragment in query["sql"]]
    return sql.startswith("SET LOCAL enable_seqscan = off;") and sql.endswith("; SET LOCAL enable_seqscan = on")


def explain_on_gin_index(sql: str, params: list) -> str:
    """PostgreSQL's plan of ``sql`` with sequential scans off (the hint the search gives)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    return plan
