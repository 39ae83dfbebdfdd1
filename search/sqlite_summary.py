"""SQLite: a first-visit search summary with the facet counts taken from bitmaps.

The one-statement summary (``searcher._SQLiteFTS.summary``) joins every match to its
facet row, materialises the facet columns and sorts the match set once per facet: for a
common word (14 672 of 15 002 entries) that is ~35 of its ~53 ms, bm25 most of the rest.
Here the facet rows are read once per *version* of the rows (see below) into bitmaps
keyed by the FTS5 rowid (the search framework's IndexEntry id): one Python integer per
facet value, access token and date bucket. A search then runs ONE statement: the FTS5
match (all matching rowids, as one string) with bm25 computed only for the rows the
reader may see under every active facet (a byte per rowid, passed as a blob), and the
best ``window`` of those; the total and every facet count are popcounts of ANDs of
bitmaps (microseconds), with exactly the semantics of ``searcher._counts_sql``.

Validity. The bitmaps are kept per process and database, with the facet version token
that the triggers of migration ``search/0007`` replace on every real change of a facet
row and on every new, removed or re-keyed index entry. The search statement reads the
token in the same read as its match: if it differs from the bitmaps', the bitmaps are
dropped and this search takes the SQL path (the next one rebuilds them). Replies to a
thread do not change its facet row, so they do not invalidate the bitmaps.

Anything unusual takes the SQL path, whose results are the reference: a facet value
that is not a canonical packed slug list, a list filter value that is not a plain slug
(LIKE wildcards), a date that is not text, missing triggers or token, a permission
filter the in-memory evaluation cannot run. Tests compare both paths
(tests/search/test_sqlite_summary.py).
"""

from __future__ import annotations

import json
import operator
import re
import sqlite3
import threading
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.db import connection

from . import labels
from .models import EntryFacets

TABLE = "search_facetversion"
TRIGGERS = ("search_facetversion_facets_insert", "search_facetversion_facets_update",
            "search_facetversion_facets_delete", "search_facetversion_entries_insert",
            "search_facetversion_entries_update", "search_facetversion_entries_delete")
#: The groups and columns this module knows; the SQL path is taken if searcher's differ.
KNOWN_COLUMNS = {"kind": "k", "theme": "t", "audience": "a", "service_level": "l", "region": "r", "date": "b"}
LIST_GROUPS = ("theme", "audience", "service_level")
_QMARK = re.compile(r"(?<!%)%s")
_PLAIN_SLUG = re.compile(r"[A-Za-z0-9-]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TO_BYTES = bytes.maketrans(b"01", b"\x00\x01")
_MAX_READERS = 256
_OFFSET = 0x10000  # above the surrogates: every code point from here on is valid UTF-8
_MAX_CODE_POINT = 0x110000

_lock = threading.Lock()
_snapshots: dict[tuple, Snapshot | None] = {}
_local = threading.local()


def _bits(ids, size: int, offset: int = 0) -> int:
    """The integer whose bit i is set for every i + offset in ``ids`` (0 <= i < size)."""
    chars = bytearray(b"0") * (size + offset)
    for i in ids:
        chars[i] = 49  # "1"
    del chars[:offset]
    chars.reverse()
    return int(chars, 2) if size else 0


def _sql_datetime(value: datetime) -> str:
    """A datetime as the sqlite3 module binds it (Django's adapter): the bucket bounds are
    compared as text with the stored values, exactly as the SQL path compares them."""
    adapter = sqlite3.adapters.get((type(value), sqlite3.PrepareProtocol))
    return adapter(value) if adapter else str(value)


class Unusable(Exception):
    """The bitmaps cannot reproduce the SQL path for these rows or this search."""


class Snapshot:
    """Bitmaps of the facet rows of one version token (immutable once built, except for
    the small caches of date buckets and readers, replaced atomically).

    The comparisons are SQLite's (dates as text, ``LIKE`` folding ASCII case, the reader's
    filter run by an in-memory SQLite); ``search.pg_summary`` subclasses it for PostgreSQL."""

    #: The types of ``published_at`` the bucket bounds can be compared with as the database does.
    DATE_TYPES = frozenset({str, type(None)})

    def __init__(self, token: int, rows):
        """``rows``: (rowid, access, kind, themes, audiences, service levels, region,
        published_at) of every facet row with an index entry, ordered by published_at
        (NULL first, then as SQLite compares text)."""
        self.token = token
        columns = list(zip(*rows, strict=True)) if rows else [()] * 8
        published = columns[7]
        if not set(map(type, published)) <= self.DATE_TYPES:
            raise Unusable("published_at has an unexpected type")
        undated = published.count(None)
        if None in published[undated:] or not all(map(operator.le, published[undated:], published[undated + 1:])):
            # SQLite did not keep the subquery's order: sort here.
            rows = sorted(rows, key=lambda row: (row[7] is not None, row[7] or "", row[0]))
            columns = list(zip(*rows, strict=True))
            published = columns[7]
        ids = columns[0]
        self.rows = len(ids)
        self.size = max(ids, default=-1) + 1
        self.universe = _bits(ids, self.size)

        def members(column) -> dict[str, list[int]]:
            found: dict[str, list[int]] = defaultdict(list)
            for value, i in zip(column, ids, strict=True):
                found[value].append(i)
            if not all(type(value) is str for value in found):
                raise Unusable("a facet value is not text")
            return found

        self.values: dict[str, dict[str, int]] = {}
        for group, column in (("access", columns[1]), ("kind", columns[2]), ("region", columns[6])):
            self.values[group] = {value: _bits(rowids, self.size) for value, rowids in members(column).items()}
        # List groups: one bitmap per slug; the packed values (sorted as SQLite sorts them,
        # by code point) keep their rowids to tell which slug a GROUP BY would list first.
        self.slugs: dict[str, dict[str, int]] = {}
        self.packed: dict[str, list[tuple[str, array]]] = {}
        for group, column in (("theme", columns[3]), ("audience", columns[4]), ("service_level", columns[5])):
            packed = members(column)
            slug_ids: dict[str, list[int]] = defaultdict(list)
            for value, rowids in packed.items():
                parts = value.split()
                if value and (value != f" {' '.join(parts)} " or len(set(parts)) != len(parts)):
                    raise Unusable(f"{group} is not a canonical slug list: {value!r}")
                for slug in parts:
                    slug_ids[slug].extend(rowids)
            self.slugs[group] = {slug: _bits(rowids, self.size) for slug, rowids in slug_ids.items()}
            self.packed[group] = sorted((value, array("q", rowids)) for value, rowids in packed.items())
        self.dates = published[undated:]
        self.dated_ids = ids[undated:]
        self.textual = _bits(self.dated_ids, self.size)
        self._buckets: tuple = ()
        self._readers: dict[tuple, int] = {}

    # --- per search -------------------------------------------------------------------

    def buckets(self, now) -> dict[str, int]:
        """Bitmaps of the date buckets of ``searcher._bucket_sql`` at ``now``."""
        month = self.bound(now - timedelta(days=31))
        year = self.bound(now - timedelta(days=365))
        positions = (bisect_left(self.dates, month), bisect_left(self.dates, year))
        cached = self._buckets
        if cached and cached[0] == positions:
            return cached[1]
        recent = _bits(self.dated_ids[positions[1]:], self.size)  # published_at >= year
        mois = _bits(self.dated_ids[positions[0]:], self.size)  # published_at >= month
        buckets = {"mois": mois, "annee": recent & ~mois, "ancien": self.textual & ~recent,
                   "": self.universe & ~self.textual}
        self._buckets = (positions, buckets)
        return buckets

    @staticmethod
    def bound(value: datetime):
        """A bucket bound as the database compares it with the stored dates."""
        return _sql_datetime(value)

    @staticmethod
    def fold(slug: str) -> str:
        """What ``LIKE`` compares of a slug (SQLite: ASCII case folded)."""
        return slug.translate(_ASCII_LOWER)

    def permitted(self, permission_sql: str, permission_params: list) -> int:
        """The rows whose access token passes the reader's permission filter, evaluated by
        SQLite itself (an in-memory database) on the distinct tokens."""
        key = (permission_sql, tuple(permission_params))
        mask = self._readers.get(key)
        if mask is not None:
            return mask
        return self.remember((permission_sql, permission_params),
                             self.permitted_tokens(permission_sql, permission_params))

    def remember(self, permission: tuple[str, list], tokens) -> int:
        """Keep (and return) the rows of the access ``tokens`` that pass ``permission``."""
        mask = 0
        for access in tokens:
            mask |= self.values["access"].get(access, 0)
        readers = dict(self._readers) if len(self._readers) < _MAX_READERS else {}
        readers[(permission[0], tuple(permission[1]))] = mask
        self._readers = readers
        return mask

    def permitted_tokens(self, permission_sql: str, permission_params: list) -> list[str]:
        """The access tokens of the rows that pass the reader's filter."""
        memory = getattr(_local, "memory", None)
        if memory is None:
            memory = _local.memory = sqlite3.connect(":memory:", check_same_thread=False)
        table = EntryFacets._meta.db_table
        # The statement as Django's SQLite cursor would send it ("format" to "qmark" style).
        query = _QMARK.sub("?", f'SELECT "{table}"."access" FROM (SELECT value AS "access" '  # noqa: S608
                                f'FROM json_each(%s)) AS "{table}" WHERE ({permission_sql})').replace("%%", "%")
        try:
            rows = memory.execute(query, [json.dumps(list(self.values["access"])), *permission_params]).fetchall()
        except sqlite3.Error as exc:
            raise Unusable(f"permission filter: {exc}") from exc
        return [access for (access,) in rows]

    def condition(self, group: str, values: list[str], buckets: dict[str, int]) -> int:
        """The bitmap of ``searcher._group_condition(group, values)``."""
        mask = 0
        if group == "date":
            for bucket in {"mois": ["mois"], "annee": ["mois", "annee"], "ancien": ["ancien"]}.get(values[0], []):
                mask |= buckets[bucket]
        elif group in LIST_GROUPS:
            # ``t LIKE '% v %'`` on a canonical list: v is one of its slugs, ASCII case folded.
            for value in values:
                if not _PLAIN_SLUG.fullmatch(value):
                    raise Unusable(f"not a plain slug: {value!r}")
                wanted = self.fold(value)
                for slug, bits in self.slugs[group].items():
                    if self.fold(slug) == wanted:
                        mask |= bits
        else:
            known = self.values[group]
            for value in values:
                if group == "region" and value == labels.NATIONAL:
                    value = ""
                mask |= known.get(value, 0)
        return mask

    def allowed(self, permission: tuple[str, list], filters, groups, now) -> tuple[dict[str, int], int, int]:
        """(date buckets, the entries the reader may see, those of them under every active
        facet of ``filters``): the bitmaps a search starts from. Raises Unusable."""
        buckets = self.buckets(now)
        permitted = self.permitted(*permission)
        allowed = permitted
        for group in groups:
            if filters.get(group):
                allowed &= self.condition(group, filters.get(group), buckets)
        return buckets, permitted, allowed

    def counts(self, matched: int, filters, groups, buckets) -> tuple[dict[str, Counter], int]:
        """What ``searcher._read_counts`` returns for the statement of ``_counts_sql``,
        including the order in which each Counter lists its values (the SQL groups' order)."""
        conditions = {g: self.condition(g, filters.get(g), buckets) for g in groups if filters.get(g)}
        counts: dict[str, Counter] = defaultdict(Counter)
        for group in groups:
            scope = matched
            for other, mask in conditions.items():
                if other != group:
                    scope &= mask
            if group in LIST_GROUPS:
                self._list_counts(counts, group, scope)
            elif group == "date":
                for bucket in ("ancien", "annee", "mois"):  # GROUP BY order; "" is not shown
                    n = (scope & buckets[bucket]).bit_count()
                    if n:
                        counts[group][bucket] += n
                        if bucket == "mois":
                            counts[group]["annee"] += n
            else:
                for value in sorted(self.values[group]):
                    n = (scope & self.values[group][value]).bit_count()
                    if n:
                        counts[group][(value or labels.NATIONAL) if group == "region" else value] += n
        total = matched
        for mask in conditions.values():
            total &= mask
        return counts, total.bit_count()

    def _list_counts(self, counts, group: str, scope: int) -> None:
        found = {slug: n for slug, bits in self.slugs[group].items() if (n := (scope & bits).bit_count())}
        if not found:
            return
        # _read_counts meets a slug first in the first (sorted) packed list with a row in scope.
        flags = scope.to_bytes((self.size + 7) // 8, "little")
        order: dict[str, tuple[int, int]] = {}
        for index, (value, members) in enumerate(self.packed[group]):
            parts = [slug for slug in value.split() if slug in found and slug not in order]
            if not parts or not any(flags[i >> 3] >> (i & 7) & 1 for i in members):
                continue
            for position, slug in enumerate(value.split()):
                if slug in found and slug not in order:
                    order[slug] = (index, position)
            if len(order) == len(found):
                break
        for slug in sorted(found, key=order.__getitem__):
            counts[group][slug] += found[slug]

    def allowed_blob(self, allowed: int) -> bytes:
        """One byte per rowid (1 = may be among the best), for ``substr(?, rowid + 1, 1)``."""
        if not self.size:
            return b""
        return bin(allowed)[2:].zfill(self.size)[::-1].encode().translate(_TO_BYTES)


def _key() -> tuple:
    return (connection.alias, str(connection.settings_dict.get("NAME")))


def _read_snapshot(fts) -> Snapshot | None:
    """The facet rows of SearchEntry's index entries and the version token, in one read."""
    table = EntryFacets._meta.db_table
    names = ", ".join(f"'{name}'" for name in TRIGGERS)
    # Table names come from model metadata, trigger names are constants; the type is a parameter.
    sql = (f'SELECT * FROM (SELECT ie.id, "{table}"."access", "{table}"."facet_kind", '  # noqa: S608
           f'"{table}"."themes", "{table}"."audiences", "{table}"."service_levels", "{table}"."region", '
           f'+"{table}"."published_at" AS p FROM "{fts.entries}" ie '
           f'CROSS JOIN "{table}" ON "{table}"."entry_id" = CAST(ie.object_id AS INTEGER) '
           f"WHERE ie.content_type_id = %s ORDER BY p, ie.id) "
           f"UNION ALL SELECT NULL, (SELECT token FROM \"{TABLE}\" WHERE id = 1), "
           f"(SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})), "
           f"NULL, NULL, NULL, NULL, NULL")
    with connection.cursor() as cursor:
        try:
            cursor.execute(sql, [fts.content_type])
        except connection.Database.Error:  # no version table (not migrated): the SQL path
            return _Unusable(None)
        rows = cursor.fetchall()
    *rows, (_null, token, triggers, *_rest) = rows
    if token is None or triggers != len(TRIGGERS):
        return _Unusable(None)
    try:
        return Snapshot(token, rows)
    except Unusable:
        return _Unusable(token)


class _Unusable:
    """Rows the bitmaps cannot reproduce (or no version token, no triggers): the SQL path,
    until the token changes."""

    def __init__(self, token):
        self.token = token


def summary(fts, permission: tuple[str, list], filters, now, window: int):
    """(counts, total, [(entry id, score)]) as ``searcher._single_pass`` returns them, or
    None when the SQL path must answer (see the module docstring)."""
    from .searcher import _COLUMNS, FACET_GROUPS

    if _COLUMNS != KNOWN_COLUMNS or tuple(FACET_GROUPS) != tuple(KNOWN_COLUMNS) or connection.vendor != "sqlite":
        return None
    key = _key()
    snapshot = _snapshot(fts)
    if isinstance(snapshot, _Unusable):
        _check_token(snapshot, key)
        return None
    try:
        buckets, permitted, allowed = snapshot.allowed(permission, filters, FACET_GROUPS, now)
    except Unusable:
        return None

    # FTS5 drives the loop; bm25 only for the rows that may be among the best. The matching
    # rowids come back as one string, each as the character of code point rowid + 65536 when
    # that stays a valid code point (much cheaper to read than decimal numbers). Table names
    # come from model metadata, weights are constants; values are parameters.
    size = snapshot.size
    as_chars = size + _OFFSET <= _MAX_CODE_POINT
    listed = f"char(r + {_OFFSET}), ''" if as_chars else "r"
    sql = (f'WITH f AS MATERIALIZED (SELECT "{fts.fts}".rowid AS r, '  # noqa: S608
           f"CASE WHEN substr(%s, \"{fts.fts}\".rowid + 1, 1) = x'01' "
           f'THEN bm25("{fts.fts}", {fts.weights}) END AS s FROM "{fts.fts}" WHERE "{fts.fts}" MATCH %s) '
           f"SELECT 't' AS g, (SELECT token FROM \"{TABLE}\" WHERE id = 1) AS n, NULL AS s "
           f"UNION ALL SELECT 'm', group_concat({listed}), NULL FROM f WHERE r < %s "
           f"UNION ALL SELECT * FROM (SELECT 'h', CAST(ie.object_id AS INTEGER), f.s "
           f'FROM f CROSS JOIN "{fts.entries}" ie ON ie.id = f.r WHERE f.s <= coalesce('
           f"(SELECT s FROM f WHERE s IS NOT NULL ORDER BY s LIMIT 1 OFFSET %s), 1e308))")
    with connection.cursor() as cursor:
        cursor.execute(sql, [snapshot.allowed_blob(allowed), fts.match, size, max(window, 1) - 1])
        rows = cursor.fetchall()
    tagged = {g: n for g, n, _s in rows if g != "h"}
    if tagged.get("t") != snapshot.token:
        _drop(key, snapshot)
        return None
    listed = tagged.get("m") or ""
    matched = _bits(map(ord, listed), size, offset=_OFFSET) if as_chars else _bits(
        map(int, listed.split(",")) if listed else (), size)
    counts, total = snapshot.counts(matched & permitted, filters, FACET_GROUPS, buckets)
    best = sorted(((n, s) for g, n, s in rows if g == "h"), key=lambda pair: (pair[1], -pair[0]))
    return counts, total, best[:window] if window > 0 else []


class Tables:
    """The search framework's index table and SearchEntry's content type, which the
    snapshot reads (what an FTS search object carries, for a browse without words)."""

    def __init__(self):
        from django.contrib.contenttypes.models import ContentType
        from modelsearch.conf import get_app_config

        from .models import SearchEntry

        self.entries = get_app_config().get_model("IndexEntry")._meta.db_table
        self.content_type = ContentType.objects.get_for_model(SearchEntry).pk


def browse_counts(permission: tuple[str, list], filters, now):
    """(counts, total) of every entry the reader may see, as ``searcher._facet_counts_from_db``
    counts them over the permitted facet rows (a browse by facets, without words), or None when
    the SQL path must answer. One read: the version token, and the number of facet rows, which
    must be the snapshot's (a facet row without an index entry has no bit: the SQL counts it)."""
    from .searcher import _COLUMNS, FACET_GROUPS

    if _COLUMNS != KNOWN_COLUMNS or tuple(FACET_GROUPS) != tuple(KNOWN_COLUMNS) or connection.vendor != "sqlite":
        return None
    snapshot = _snapshot(Tables())
    if isinstance(snapshot, _Unusable):
        _check_token(snapshot, _key())
        return None
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT (SELECT token FROM "{TABLE}" WHERE id = 1), '  # noqa: S608
                       f'(SELECT count(*) FROM "{EntryFacets._meta.db_table}")')
        token, rows = cursor.fetchone()
    if token != snapshot.token:
        _drop(_key(), snapshot)
        return None
    if rows != snapshot.rows:
        return None
    try:
        buckets = snapshot.buckets(now)
        permitted = snapshot.permitted(*permission)
    except Unusable:
        return None
    return snapshot.counts(snapshot.universe & permitted, filters, FACET_GROUPS, buckets)


def _snapshot(fts):
    key = _key()
    snapshot = _snapshots.get(key)
    if snapshot is None:
        with _lock:
            snapshot = _snapshots.get(key)
            if snapshot is None:
                snapshot = _snapshots[key] = _read_snapshot(fts)
    return snapshot


def _check_token(snapshot, key) -> None:
    """Rows the bitmaps cannot reproduce stay so until they change: one cheap read of the
    token per search (without a token or triggers: the SQL path for the process's life)."""
    if snapshot.token is not None:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT token FROM "{TABLE}" WHERE id = 1')  # noqa: S608
            row = cursor.fetchone()
        if not row or row[0] != snapshot.token:
            _drop(key, snapshot)


def _drop(key, snapshot) -> None:
    with _lock:
        if _snapshots.get(key) is snapshot:
            del _snapshots[key]


def clear() -> None:
    """Forget every snapshot of this process (tests)."""
    with _lock:
        _snapshots.clear()
