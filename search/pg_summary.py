"""PostgreSQL: a first-visit search summary with the facet counts taken from bitmaps.

What ``search.sqlite_summary`` does for SQLite. The one-statement SQL summary
(``searcher._PostgresFTS.sql_summary``) looks up the facet row of every match (one index
probe each), materialises the facet columns and groups the match set once per facet: for a
common word (~13 500 matches at 15k entries) ~40 of its ~65–100 ms. Here the facet rows are
read once per *version* of the rows into bitmaps keyed by the entry id (one Python integer
per facet value, access token and date bucket; ``sqlite_summary.Snapshot`` with PostgreSQL's
comparisons). A search then runs ONE statement: the matches through the GIN index (their
entry ids as one array) and the rank of the matches the reader may see under every active
facet only (a bit per entry id, passed as ``bytea``), best ``window`` first; the total and
every facet count are popcounts of ANDs of bitmaps, with exactly the semantics of
``searcher._counts_sql``.

Validity. The bitmaps are kept per process and database, with the facet version token that
the triggers of migration ``search/0009`` replace on every real change of a facet row (and on
TRUNCATE). The search statement reads the token in the same snapshot as its match: if it
differs from the bitmaps', they are dropped and this search takes the SQL path (the next one
rebuilds them). Keyed by the entry id (the index entries' ``object_id``), the bitmaps do not
depend on the index table: a match without a facet row has no bit, as the SQL path's join
drops it.

Anything unusual takes the SQL path, whose results are the reference: a facet value that is
not a canonical packed slug list, a list filter value that is not a plain slug (``LIKE``
wildcards), missing triggers or token (e.g. a migration that remade the table). Tests compare
both paths (tests/search/test_pg_summary.py).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from django.db import connection

from .models import EntryFacets
from .sqlite_summary import KNOWN_COLUMNS, Snapshot, Unusable, _bits

TABLE = "search_facetversion"
TRIGGERS = ("search_facetversion_facets_insert", "search_facetversion_facets_update",
            "search_facetversion_facets_delete", "search_facetversion_facets_truncate")

_lock = threading.Lock()
_snapshots: dict[tuple, PgSnapshot | _Unusable] = {}
_migrated: set[tuple] = set()  # the databases where the version table exists (checked once per process)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class PgSnapshot(Snapshot):
    """Bitmaps of the facet rows keyed by entry id, with PostgreSQL's comparisons: dates as
    ``timestamptz``, read as integer microseconds since 1970 (exact: PostgreSQL stores
    microseconds; reading them as datetimes cost 60 ms more CPU at 15k rows), ``LIKE``
    case-sensitive, the reader's filter run by PostgreSQL itself over the distinct tokens."""

    DATE_TYPES = frozenset({int, type(None)})

    @staticmethod
    def bound(value: datetime) -> int:
        return (value - _EPOCH) // _MICROSECOND

    @staticmethod
    def fold(slug: str) -> str:
        return slug

    def permitted_tokens(self, permission_sql: str, permission_params: list) -> list[str]:
        table = EntryFacets._meta.db_table
        # The reader's own WHERE (Django's SQL over "search_entryfacets"."access"), over the
        # distinct tokens instead of the table. Table name from model metadata; values are parameters.
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT "{table}"."access" FROM (SELECT unnest(%s::text[]) AS "access") '  # noqa: S608
                           f'AS "{table}" WHERE ({permission_sql})',
                           [list(self.values["access"]), *permission_params])
            return [access for (access,) in cursor.fetchall()]

    def allowed_bits(self, allowed: int) -> bytes:
        """A bit per entry id (1 = may be among the best), for ``get_bit(?, id)``: byte
        ``id / 8``, bit ``id % 8`` from the least significant."""
        return allowed.to_bytes((self.size + 7) // 8, "little")


class _Unusable:
    """Rows the bitmaps cannot reproduce (or no token, no triggers): the SQL path until the
    token changes."""

    def __init__(self, token):
        self.token = token


def _key() -> tuple:
    return (connection.alias, str(connection.settings_dict.get("NAME")))


def _read_snapshot(permission: tuple[str, list]) -> PgSnapshot | _Unusable:
    """Every facet row, the version token, the triggers, and the access tokens that pass the
    filter ``permission`` (the reader of the search that builds), in one statement (one
    snapshot, one round trip)."""
    key = _key()
    table = EntryFacets._meta.db_table
    with connection.cursor() as cursor:
        if key not in _migrated:
            cursor.execute(f"SELECT to_regclass('{TABLE}') IS NOT NULL")
            if not cursor.fetchone()[0]:  # not migrated: the SQL path
                return _Unusable(None)
            _migrated.add(key)
        names = ", ".join(f"'{name}'" for name in TRIGGERS)
        permission_sql, permission_params = permission
        columns = ", ".join(f'array_agg(f."{name}")' for name in (
            "entry_id", "access", "facet_kind", "themes", "audiences", "service_levels", "region", "p"))
        # One row, a column per array (psycopg reads arrays much faster than rows), aggregated
        # from the rows sorted once (the same order in every array; Snapshot sorts again if
        # the dates are not in order). Table names come from model metadata, trigger names are
        # constants; values are parameters.
        sql = (f'SELECT {columns}, (SELECT token FROM {TABLE} WHERE id = 1), '  # noqa: S608
               f"(SELECT count(*) FROM pg_trigger WHERE tgrelid = '\"{table}\"'::regclass AND tgname IN ({names}) "
               f"AND tgenabled <> 'D'), "
               f'(SELECT array_agg("{table}"."access") FROM (SELECT DISTINCT "access" FROM "{table}") AS "{table}" '
               f"WHERE ({permission_sql})) "
               f'FROM (SELECT *, (extract(epoch FROM "published_at") * 1000000)::bigint AS p FROM "{table}" '
               f'ORDER BY "published_at" NULLS FIRST, "entry_id") AS f')
        cursor.execute(sql, permission_params)
        *arrays, token, triggers, permitted = cursor.fetchone()
    rows = list(zip(*arrays, strict=True)) if arrays[0] else []
    if token is None or int(triggers) != len(TRIGGERS):
        return _Unusable(None)
    try:
        snapshot = PgSnapshot(int(token), rows)
    except Unusable:
        return _Unusable(int(token))
    snapshot.remember(permission, permitted or ())
    return snapshot


def _snapshot(permission: tuple[str, list]):
    key = _key()
    snapshot = _snapshots.get(key)
    if snapshot is None:
        with _lock:
            snapshot = _snapshots.get(key)
            if snapshot is None:
                snapshot = _snapshots[key] = _read_snapshot(permission)
    return snapshot


def _check_token(snapshot, key) -> None:
    if snapshot.token is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT token FROM {TABLE} WHERE id = 1")  # noqa: S608
            row = cursor.fetchone()
        if not row or row[0] != snapshot.token:
            _drop(key, snapshot)


def _drop(key, snapshot) -> None:
    with _lock:
        if _snapshots.get(key) is snapshot:
            del _snapshots[key]


def after_migrate(sender, using="default", **kwargs) -> None:
    """``post_migrate``: whether the version table exists now (else the first search of the
    process asks)."""
    from django.db import connections

    target = connections[using]
    key = (target.alias, str(target.settings_dict.get("NAME")))
    _migrated.discard(key)
    if target.vendor == "postgresql":
        with target.cursor() as cursor:
            cursor.execute(f"SELECT to_regclass('{TABLE}') IS NOT NULL")
            if cursor.fetchone()[0]:
                _migrated.add(key)


def clear() -> None:
    """Forget every snapshot of this process (tests)."""
    with _lock:
        _snapshots.clear()


def statement(fts, size: int, allowed: bytes, window: int) -> tuple[str, list]:
    """The search statement: the version token, the matching entry ids below ``size`` (one
    array), and the best ``window`` matches whose bit is set in ``allowed`` with their score
    (the SQL path's expression and order)."""
    carried, join, rank, score_params = fts.rank_sql()
    match_sql, match_params = fts.match_sql()
    # The bit test comes first (CASE): only the allowed matches are looked up and ranked.
    # Table names come from model metadata, weights from modelsearch; values are parameters.
    sql = (f"WITH m AS MATERIALIZED (SELECT (ie.object_id)::integer AS id, ie.id AS ie_id, {carried}"  # noqa: S608
           f"true AS x {match_sql}) "
           f"SELECT 't' AS g, (SELECT token FROM {TABLE} WHERE id = 1) AS n, CAST(NULL AS REAL) AS s, "
           f"CAST(NULL AS integer[]) AS a "
           f"UNION ALL SELECT 'm', NULL, NULL, array_agg(m.id) FROM m WHERE m.id >= 0 AND m.id < %s "
           f"UNION ALL SELECT * FROM (SELECT 'h', m.id, {rank} AS s, CAST(NULL AS integer[]) FROM m {join} "
           f"WHERE CASE WHEN m.id >= 0 AND m.id < %s THEN get_bit(%s::bytea, m.id) = 1 ELSE false END "
           f"ORDER BY s DESC, m.id DESC LIMIT %s) AS best")
    return sql, [*match_params, size, *score_params, size, allowed, window]


def summary(fts, permission: tuple[str, list], filters, now, window: int):
    """(counts, total, [(entry id, score)]) as ``searcher._single_pass`` returns them, or None
    when the SQL path must answer (see the module docstring)."""
    from .searcher import _COLUMNS, FACET_GROUPS, run_on_gin_index

    if _COLUMNS != KNOWN_COLUMNS or tuple(FACET_GROUPS) != tuple(KNOWN_COLUMNS) or connection.vendor != "postgresql":
        return None
    key = _key()
    snapshot = _snapshot(permission)
    if isinstance(snapshot, _Unusable):
        _check_token(snapshot, key)
        return None
    try:
        buckets, permitted, allowed = snapshot.allowed(permission, filters, FACET_GROUPS, now)
    except Unusable:
        return None

    size = snapshot.size
    sql, params = statement(fts, size, snapshot.allowed_bits(allowed), window)
    rows = run_on_gin_index(sql, params)  # as searcher._single_pass: the planner kept on the GIN index
    token = next((n for g, n, _s, _a in rows if g == "t"), None)
    if token != snapshot.token:
        _drop(key, snapshot)
        return None
    ids = next((a for g, _n, _s, a in rows if g == "m"), None) or ()
    counts, total = snapshot.counts(_bits(ids, size) & permitted, filters, FACET_GROUPS, buckets)
    best = sorted(((n, s) for g, n, s, _a in rows if g == "h"), key=lambda pair: (-pair[1], -pair[0]))
    return counts, total, best


def browse_counts(permission: tuple[str, list], filters, now):
    """(counts, total) of every facet row the reader may see, as
    ``searcher._facet_counts_from_db`` counts them (a browse by facets, without words), or None
    when the SQL path must answer. One read: the version token."""
    from .searcher import _COLUMNS, FACET_GROUPS

    if _COLUMNS != KNOWN_COLUMNS or tuple(FACET_GROUPS) != tuple(KNOWN_COLUMNS) or connection.vendor != "postgresql":
        return None
    key = _key()
    snapshot = _snapshot(permission)
    if isinstance(snapshot, _Unusable):
        _check_token(snapshot, key)
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    if not row or row[0] != snapshot.token:
        _drop(key, snapshot)
        return None
    try:
        buckets = snapshot.buckets(now)
        permitted = snapshot.permitted(*permission)
    except Unusable:
        return None
    return snapshot.counts(snapshot.universe & permitted, filters, FACET_GROUPS, buckets)
