"""Running a search: one engine query for the matches, permission and facet filters on
the same query, facet counts over the permitted matches, a documented re-ranking of
the best results, highlighted snippets.

Facets combine the usual way: values of one facet are alternatives (OR), facets
restrict each other (AND); a facet's counts apply every *other* active facet, so
its other values stay visible and their counts tell what ticking them would add.

Ranking. The engine ranks the matches (title and summary boosted over body where the
engine supports field boosts). The best ``SEARCH_RERANK_WINDOW`` (default 100) are
then re-scored in Python, identically for every engine:

    score = 0.5  · |engine_score| / max |engine_score|      the engine's relevance
          + 0.6  · share of the query's words in the title    (French forms)
          + 0.25 · share of the query's words in the summary
          + 0.2  · exp(−age_in_days / 365)                  recent content
          + 0.1  · min(1, ln(1 + useful) / ln(51))           "utile" votes

Results past the window keep the engine's order.
"""

from __future__ import annotations

import math
import operator
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelsearch.query import Not, PlainText

from comcep.core.prepared import PreparedQuery

from . import engine, french, highlight, labels, pg_summary, pgrank, resultcache, spelling, sqlite_summary
from .models import EntryFacets, SearchEntry
from .permissions import Reader, access_q
from .query import ParsedQuery

FACET_GROUPS = ("kind", "theme", "audience", "service_level", "region", "date")
FACET_TITLES = {
    "kind": _("Type de contenu"),
    "theme": _("Thème"),
    "audience": _("Public"),
    "service_level": _("Niveau de service"),
    "region": _("Région"),
    "date": _("Date de publication"),
}
FIELDS = {
    "kind": "facet_kind",
    "theme": "themes",
    "audience": "audiences",
    "service_level": "service_levels",
    "region": "region",
}
LIST_GROUPS = {"theme", "audience", "service_level"}
PAGE_SIZE = 10
RELEVANCE = "pertinence"
RECENT = "recent"
SORTS = (RELEVANCE, RECENT)


@dataclass
class Filters:
    values: dict[str, list[str]] = field(default_factory=dict)  # group -> selected values

    def get(self, group: str) -> list[str]:
        return self.values.get(group) or []

    @property
    def active(self) -> bool:
        return any(self.values.values())

    def items(self):
        for group in FACET_GROUPS:
            for value in self.get(group):
                yield group, value


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    url: str = ""


@dataclass
class Facet:
    group: str
    title: str
    options: list[FacetOption]


@dataclass
class Hit:
    entry: SearchEntry
    title_html: str
    snippet: str
    kind_label: str
    themes: list[tuple[str, str]]
    date: object
    date_label: str = ""  # « Publié le », or what the entry's kind calls its date (« Événement le »)
    score: float = 0.0


@dataclass
class Outcome:
    query: ParsedQuery
    filters: Filters
    sort: str
    page: int
    page_size: int
    total: int
    hits: list[Hit]
    facets: list[Facet]

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def _date_q(key: str, now) -> Q:
    _label, days, mode = labels.DATE_RANGES[key]
    limit = now - timedelta(days=days)
    return Q(published_at__gte=limit) if mode == "within" else Q(published_at__lt=limit)


def filter_q(group: str, values: list[str], *, database: bool, now=None) -> Q:
    """The filter for one facet group (values are alternatives)."""
    if group == "date":
        return _date_q(values[0], now or timezone.now())
    name = FIELDS[group]
    if group == "region":
        values = ["" if v == labels.NATIONAL else v for v in values]
    if group in LIST_GROUPS and database:
        condition = Q()
        for value in values:
            condition |= Q(**{f"{name}__contains": f" {value} "})
        return condition
    return Q(**{f"{name}__in": values})


def _filtered(queryset, filters: Filters, *, database: bool, skip: str | None = None, now=None):
    for group in FACET_GROUPS:
        values = filters.get(group)
        if values and group != skip:
            queryset = queryset.filter(filter_q(group, values, database=database, now=now))
    return queryset


def _date_bucket(now):
    month, year = now - timedelta(days=31), now - timedelta(days=365)
    return Case(
        When(published_at__gte=month, then=Value("mois")),
        When(published_at__gte=year, then=Value("annee")),
        When(published_at__lt=year, then=Value("ancien")),
        default=Value(""),
        output_field=CharField(),
    )


#: Column aliases of the materialised match set the facet counts read (see _counts_sql).
_COLUMNS = {"kind": "k", "theme": "t", "audience": "a", "service_level": "l", "region": "r", "date": "b"}
#: Date filter -> the date buckets it keeps ("Moins d'un an" includes the last month).
_DATE_BUCKETS = {"mois": ["mois"], "annee": ["mois", "annee"], "ancien": ["ancien"]}


def _group_condition(group: str, values: list[str]) -> tuple[str, list]:
    """SQL over the match set's columns for one active facet (values are alternatives)."""
    column = _COLUMNS[group]
    if group == "date":
        values = _DATE_BUCKETS.get(values[0], [])
    elif group in LIST_GROUPS:
        return "(" + " OR ".join([f"{column} LIKE %s"] * len(values)) + ")", [f"% {v} %" for v in values]
    elif group == "region":
        values = ["" if v == labels.NATIONAL else v for v in values]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _where(filters: Filters, skip: str | None = None) -> tuple[str, list]:
    parts, params = [], []
    for group in FACET_GROUPS:
        values = filters.get(group)
        if values and group != skip:
            sql, group_params = _group_condition(group, values)
            parts.append(sql)
            params += group_params
    return (" WHERE " + " AND ".join(parts) if parts else ""), params


def _counts_sql(filters: Filters) -> tuple[str, list]:
    """One SELECT per facet group over the materialised match set ``m`` (UNION ALL): each
    group's counts apply every *other* active facet, plus the total under all of them.
    Rows: (group, value, count, NULL)."""
    selects, params = [], []
    for group in FACET_GROUPS:
        column = _COLUMNS[group]
        where, where_params = _where(filters, skip=group)
        # Group names and columns are constants of this module; values are parameters.
        selects.append(f"SELECT '{group}' AS g, {column} AS v, COUNT(*) AS n, CAST(NULL AS REAL) AS s "  # noqa: S608
                       f"FROM m{where} GROUP BY {column}")
        params += where_params
    where, where_params = _where(filters)
    selects.append(f"SELECT '_total' AS g, '' AS v, COUNT(*) AS n, CAST(NULL AS REAL) AS s FROM m{where}")  # noqa: S608
    params += where_params
    return " UNION ALL ".join(selects), params


def _read_counts(rows) -> tuple[dict[str, Counter], int]:
    """The facet counts and the total from the (group, value, count) rows of _counts_sql."""
    counts: dict[str, Counter] = defaultdict(Counter)
    total = 0
    for group, value, n, *_rest in rows:
        if group == "_total":
            total = n
        elif group in LIST_GROUPS:
            for slug in (value or "").split():  # a packed list: " vae cpf "
                counts[group][slug] += n
        elif group == "region":
            counts[group][value or labels.NATIONAL] += n
        elif group == "date":
            if value == "mois":
                counts[group]["mois"] += n
                counts[group]["annee"] += n
            elif value:
                counts[group][value] += n
        elif group in _COLUMNS:
            counts[group][value] += n
    return counts, total


def _bucket_sql(column: str, now) -> tuple[str, list]:
    month, year = now - timedelta(days=31), now - timedelta(days=365)
    return (f"CASE WHEN {column} >= %s THEN 'mois' WHEN {column} >= %s THEN 'annee' "
            f"WHEN {column} < %s THEN 'ancien' ELSE '' END"), [month, year, year]


def _facet_counts_from_db(matched, filters: Filters, now) -> tuple[dict[str, Counter], int]:
    """Every facet's counts and the total, from ONE statement over the matches.

    ``matched`` is a queryset of EntryFacets (permission filter and match applied): it is
    materialised once, then grouped per facet in SQL, so the rows read back are the
    facet values (dozens), whatever the number of matches or of value combinations.
    """
    inner = matched.order_by().values(
        k=F("facet_kind"), t=F("themes"), a=F("audiences"), l=F("service_levels"), r=F("region"),
        b=_date_bucket(now),
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    counts_sql, counts_params = _counts_sql(filters)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH m AS MATERIALIZED ({inner_sql}) {counts_sql}", [*inner_params, *counts_params])
        return _read_counts(cursor.fetchall())


def _facet_counts_from_engine(search_backend, query, base, filters: Filters, now) -> tuple[dict[str, Counter], int]:
    """Elasticsearch/OpenSearch: terms aggregations (one request per facet)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for group in FACET_GROUPS:
        others = _filtered(base, filters, database=False, skip=group, now=now)
        if group == "date":
            for key in labels.DATE_RANGES:
                counts["date"][key] = search_backend.search(
                    query, others.filter(_date_q(key, now)), order_by_relevance=False
                ).count()
            continue
        for value, n in search_backend.search(query, others, order_by_relevance=False).facet(FIELDS[group]).items():
            if value is None:
                continue
            if group == "region" and value == "":
                value = labels.NATIONAL
            counts[group][value] += n
    total = search_backend.search(query, _filtered(base, filters, database=False, now=now)).count()
    return counts, total


def _facets(counts: dict[str, Counter], filters: Filters, taxonomy) -> list[Facet]:
    facets = []
    memo = labels.translations()
    for group in FACET_GROUPS:
        selected = set(filters.get(group))
        group_counts = Counter(counts.get(group, {}))
        for value in selected:
            group_counts.setdefault(value, 0)
        options = []
        for value, count in group_counts.items():
            if group == "kind":
                label = labels.kind_label(value, memo)
            elif group == "date":
                if value not in labels.DATE_RANGES:
                    continue
                label = labels.translated(("date", value), labels.DATE_RANGES[value][0], memo)
            elif group == "region" and value == labels.NATIONAL:
                label = labels.translated("national", labels.NATIONAL_LABEL, memo)
            else:
                label = taxonomy.get(group, {}).get(value, value)
            options.append(FacetOption(value, label, count, value in selected))
        if group == "date":
            order = list(labels.DATE_RANGES)
            options.sort(key=lambda o: order.index(o.value))
        else:
            options.sort(key=lambda o: (-o.count, o.label.lower()))
        if options:
            facets.append(Facet(group, labels.translated(("facet", group), FACET_TITLES[group], memo), options))
    return facets


def _rerank(entries: list[SearchEntry], stems: set[str], now) -> list[tuple[float, SearchEntry]]:
    scored = []
    # SQLite's bm25() is negative (lower is better), PostgreSQL and Elasticsearch positive:
    # the magnitude relative to the best match is comparable across engines.
    engine_scores = [abs(getattr(entry, "_score", None) or 0.0) for entry in entries]
    best = max(engine_scores, default=0.0)
    for rank, entry in enumerate(entries):
        score = 0.5 * (engine_scores[rank] / best if best else 1.0 / (1.0 + 0.1 * rank))
        if stems:
            # The query stems the title (the summary) holds: len(stems & stem_set(...)).
            score += 0.6 * len(stems.intersection(french.stem_tuple(entry.title))) / len(stems)
            score += 0.25 * len(stems.intersection(french.stem_tuple(entry.summary[:2000]))) / len(stems)
        date = entry.published_at or entry.updated_at
        if date:
            age = max((now - date).total_seconds() / 86400, 0)
            score += 0.2 * math.exp(-age / 365)
        if entry.useful_count:
            score += 0.1 * min(1.0, math.log1p(entry.useful_count) / math.log(51))
        scored.append((score, entry))
    # Stable: equal scores keep the engine's order.
    return sorted(scored, key=lambda pair: -pair[0])


# What a hit reads of its entry once its title and snippet are highlighted (views, API, admin).
HIT_FIELDS = ("id", "kind", "title", "url", "facet_kind", "access", "themes", "published_at", "updated_at")


def _shown_query(n_tokens: int, n_ids: int) -> PreparedQuery:
    """The prepared load of ``n_ids`` shown entries for a reader of ``n_tokens`` access tokens (see
    _load_shown); one per such pair, built on first use (at most ``_MAX_SHOWN_QUERIES`` kept)."""
    prepared = _SHOWN_QUERIES.get((n_tokens, n_ids))
    if prepared is None:
        tokens = [f"t{i}" for i in range(n_tokens)]
        ids = [f"i{i}" for i in range(n_ids)]

        def build(prefixes, fields, **values):
            condition = access_q([values[name] for name in tokens], prefixes)  # Reader.q()'s rule
            queryset = SearchEntry.objects.filter(condition).filter(pk__in=[values[name] for name in ids])
            return (queryset.only(*fields) if fields else queryset.defer("stems")).order_by()

        prepared = PreparedQuery(f"search.shown_entries.{n_tokens}.{n_ids}", build,
                                 params={**dict.fromkeys(tokens, str), **dict.fromkeys(ids, int)})
        if len(_SHOWN_QUERIES) >= _MAX_SHOWN_QUERIES:
            _SHOWN_QUERIES.clear()
        _SHOWN_QUERIES[(n_tokens, n_ids)] = prepared
    return prepared


_SHOWN_QUERIES: dict[tuple[int, int], PreparedQuery] = {}
_MAX_SHOWN_QUERIES = 64


def _load_shown(reader: Reader, ids: list[int], *, hit_fields_only: bool) -> dict[int, SearchEntry]:
    """``SearchEntry.objects.filter(reader.q()).defer("stems")`` (``.only(*HIT_FIELDS)`` if
    ``hit_fields_only``) ``.in_bulk(ids)``: the same entries, the reader's permission filter applied
    again, with the SQL compiled once per process and shape (comcep.core.prepared) instead of on every
    repeated search (~0.4 ms of CPU)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    tokens, prefixes = reader.access_tokens(), reader.access_prefixes()
    values = {**{f"t{i}": token for i, token in enumerate(tokens)}, **{f"i{i}": pk for i, pk in enumerate(ids)}}
    entries = _shown_query(len(tokens), len(ids)).objects(prefixes, HIT_FIELDS if hit_fields_only else (),
                                                           **values)
    return {entry.pk: entry for entry in entries}


def _snippet_needs_body(summary: str, stems: set[str]) -> bool:
    """Whether a hit's snippet is taken from its body (else from its summary): when it has no
    summary, or a summary without any query word."""
    if not summary:
        return True
    return bool(stems) and stems.isdisjoint(french.stem_tuple(summary))  # not (stem_set(summary) & stems)


#: What a first visit loads of the re-ranking window's entries (_rerank reads title, summary,
#: dates and votes; a shown hit HIT_FIELDS): not the bodies, which hold a discussion's every post
#: (on average 1.7–3.4 kB per entry of a window of the bench); the shown hits' snippets read
#: theirs afterwards, only where the summary cannot give the snippet (_snippet_needs_body).
WINDOW_FIELDS = tuple(f.attname for f in SearchEntry._meta.concrete_fields
                      if f.attname in {*HIT_FIELDS, "summary", "useful_count"})


class _Candidate:
    """An entry of the re-ranking window as _rerank reads it (no model instance: most are never
    shown); ``row`` holds the WINDOW_FIELDS values to build the shown ones."""

    __slots__ = ("pk", "title", "summary", "published_at", "updated_at", "useful_count", "_score", "row")

    def __init__(self, row: tuple, score: float):
        (self.pk, self.title, self.summary, self.published_at, self.updated_at,
         self.useful_count) = _candidate_values(row)
        self._score = score
        self.row = row


_candidate_values = operator.itemgetter(*(WINDOW_FIELDS.index(name) for name in (
    "id", "title", "summary", "published_at", "updated_at", "useful_count")))
#: The ids of one window query at most (SQLite binds at most 999 parameters by default).
_WINDOW_BATCH = 900


def _load_window(queryset, ranked: list[tuple[int, float]]) -> list[_Candidate]:
    """The candidates of ``ranked`` ((id, score), best first) that ``queryset`` (the reader's
    permission filter) still holds, in that order: the same entries as ``_SQLiteFTS.load``,
    WINDOW_FIELDS only."""
    ids = [pk for pk, _score in ranked]
    rows = {}
    for first in range(0, len(ids), _WINDOW_BATCH):
        batch = ids[first:first + _WINDOW_BATCH]
        rows.update((row[0], row) for row in queryset.filter(pk__in=batch).values_list(*WINDOW_FIELDS))
    return [_Candidate(rows[pk], score) for pk, score in ranked if pk in rows]


def _shown_entries(queryset, candidates: list[_Candidate], stems: set[str]) -> dict[int, SearchEntry]:
    """The model instances of the shown ``candidates`` (WINDOW_FIELDS loaded), with the bodies
    their snippets need read in one query (none if every snippet comes from a summary)."""
    entries = {}
    for candidate in candidates:
        entry = SearchEntry.from_db(queryset.db, WINDOW_FIELDS, candidate.row)
        entry._score = candidate._score
        entries[entry.pk] = entry
    needing = [pk for pk, entry in entries.items() if _snippet_needs_body(entry.summary, stems)]
    if needing:
        bodies = dict(queryset.filter(pk__in=needing).values_list("pk", "body"))
        for pk in needing:
            # An entry removed since the window was read: shown as it was read, without snippet.
            entries[pk].body = bodies.get(pk, "")
    return entries


def _hit(entry: SearchEntry, stems: set[str], taxonomy, score=0.0, *, highlighted=None, memo=None) -> Hit:
    """A result. ``highlighted``: its (title, snippet) already computed for these stems (then
    ``entry`` may hold only HIT_FIELDS)."""
    if highlighted is None:
        text = entry.summary
        if _snippet_needs_body(text, stems):
            # No summary, or a summary without any query word: the body may have one.
            text = entry.body or text
        highlighted = highlight.highlight_text(entry.title, stems), highlight.snippet(text, stems)
    return Hit(
        entry=entry,
        title_html=highlighted[0],
        snippet=highlighted[1],
        kind_label=labels.kind_label(entry.facet_kind, memo),
        themes=[(slug, taxonomy.get("theme", {}).get(slug, slug)) for slug in entry.theme_slugs],
        date=entry.published_at or entry.updated_at,
        date_label=labels.date_label(entry.kind, memo),
        score=score,
    )


def _narrows(filters: Filters) -> bool:
    """Whether the active facets keep a small share of the matches, so that scoring only
    the matches under them (a second FTS5 pass) costs less than scoring every match.
    "National" (~73 % of the entries) and "more than a year" (~56 %) keep most of them:
    measured at 15k entries, the second pass then costs as much as it saves, or more;
    "less than a year" (~44 %) already pays."""
    for group, values in filters.values.items():
        if not values:
            continue
        if group == "date":
            if values[0] != "ancien":
                return True
        elif group == "region":
            if labels.NATIONAL not in values:
                return True
        else:
            return True
    return False


class _SQLiteFTS:
    """SQLite FTS5 fast path, same match expression as modelsearch's SQLite backend.

    modelsearch's SQLite queries let SQLite's planner probe the FTS table once per index
    entry (and compute each result's score in a correlated subquery): fine for admin
    searches, hundreds of milliseconds at 1,000 entries here. This path builds the very
    same MATCH expression with modelsearch's compiler, then runs it with the FTS table as
    the outer loop (CROSS JOIN) and bm25() computed once per match (title weighted 3,
    body 1), with permissions and facet filters applied inside the same SQL.
    """

    def __init__(self, search_backend, query, *, autocomplete: bool = False):
        from django.contrib.contenttypes.models import ContentType
        from modelsearch.backends.database.sqlite.query import MatchExpression, normalize
        from modelsearch.conf import get_app_config

        app = get_app_config()
        self.fts = app.get_model("SQLiteFTSIndexEntry")._meta.db_table
        self.entries = app.get_model("IndexEntry")._meta.db_table
        self.content_type = ContentType.objects.get_for_model(SearchEntry).pk
        compiler_class = (search_backend.autocomplete_query_compiler_class if autocomplete
                          else search_backend.query_compiler_class)
        compiler = compiler_class(SearchEntry.objects.all(), query)
        # bm25 column weights, in the FTS table's column order: autocomplete, body, title.
        self.weights = "1.0, 0.0, 0.0" if autocomplete else "0.0, 1.0, 3.0"
        normalized = normalize(query)
        self.negated = isinstance(normalized, Not)
        if self.negated:
            normalized = normalized.subquery
        expression = MatchExpression(compiler.FTS_TABLE_FIELDS, compiler.build_search_query(normalized))
        _sql, params = expression.as_sql(SearchEntry.objects.all().query.get_compiler("default"), None)
        self.match = params[0]

    def summary(self, narrow, filters: Filters, now, window: int):
        """(counts, total, [(id, score)]) of the matches the reader may see (``narrow``: the
        EntryFacets rows under the permission filter): the facet counts and the total, and
        the best ``window`` under every active facet.

        First choice: one FTS5 statement and bitmaps of the facet rows (search.sqlite_summary);
        when they cannot answer, the one-statement SQL summary (``sql_summary``), whose
        results they reproduce exactly."""
        permission = _permission_sql(narrow)
        fast = sqlite_summary.summary(self, permission, filters, now, window)
        if fast is not None:
            return fast
        return self.sql_summary(permission, filters, now, window)

    def sql_summary(self, permission: tuple[str, list], filters: Filters, now, window: int):
        """The summary in one SQL statement: the permitted matches are materialised with their
        facet columns and (unless a narrowing facet is active, see below) their bm25 score,
        then grouped per facet (see _counts_sql) and the best ``window`` under every active
        facet are taken."""
        table = EntryFacets._meta.db_table
        permission_sql, permission_params = permission
        bucket_sql, bucket_params = _bucket_sql(f'"{table}"."published_at"', now)
        columns = ", ".join(f'"{table}"."{name}" AS {alias}' for name, alias in (
            ("facet_kind", "k"), ("themes", "t"), ("audiences", "a"), ("service_levels", "l"), ("region", "r")))
        join = f'CROSS JOIN "{table}" ON "{table}"."entry_id" = CAST(ie.object_id AS INTEGER)'
        params = [*bucket_params, self.match, self.content_type, *permission_params]
        bm25 = f'bm25("{self.fts}", {self.weights})'
        if not _narrows(filters):
            # Every permitted match (or most of them) may be among the best: bm25 in the same pass.
            matches = (f'SELECT "{table}"."entry_id" AS id, {bm25} AS s, {columns}, '
                       f"{bucket_sql} AS b {self._from(join)} AND ({permission_sql})")
            return _single_pass(matches, params, filters, window, "m.s", "m.s, m.id DESC", descending=False)

        # A narrowing facet is active: only the matches under every active facet can be among
        # the best, and bm25 (half the cost of a match: FTS5 reads the row's size and term
        # positions) is computed for them only, in a second FTS5 pass over those rows (same
        # table statistics, so the very same scores).
        matches = (f'SELECT "{table}"."entry_id" AS id, ie.id AS ie_id, {columns}, '
                   f"{bucket_sql} AS b {self._from(join)} AND ({permission_sql})")

        def rescore(where: str, where_params: list) -> tuple[str, list]:
            # FTS5 drives the loop (MATCH only: the unary + keeps the rowid test away from the
            # virtual table, which would run the match again for every id); the ids under the
            # facets are looked up in the ephemeral index SQLite builds for IN (subquery). Table
            # names come from model metadata, columns are constants; values are parameters.
            return (f'"{self.fts}" CROSS JOIN "{self.entries}" ie ON ie.id = "{self.fts}".rowid '  # noqa: S608
                    f'WHERE "{self.fts}" MATCH %s AND +"{self.fts}".rowid IN (SELECT m.ie_id FROM m{where})',
                    [self.match, *where_params])

        entry_id = "CAST(ie.object_id AS INTEGER)"
        return _single_pass(matches, params, filters, window, bm25, f"s, {entry_id} DESC", descending=False,
                            rescore=rescore, entry_id=entry_id)

    @staticmethod
    def load(queryset, ranked: list[tuple[int, float]]) -> list[SearchEntry]:
        """The entries of ``ranked`` ((id, score), best first), scores set as ``_score``."""
        entries = queryset.in_bulk([pk for pk, _score in ranked])
        out = []
        for pk, score in ranked:
            if pk in entries:
                entries[pk]._score = score
                out.append(entries[pk])
        return out

    def _from(self, join: str = "") -> str:
        return (f'FROM "{self.fts}" CROSS JOIN "{self.entries}" ie ON ie.id = "{self.fts}".rowid {join} '
                f'WHERE "{self.fts}" MATCH %s AND ie.content_type_id = %s')

    def matched(self, queryset):
        """``queryset`` (of SearchEntry or EntryFacets) restricted to the matches."""
        # Table names come from model metadata; the match string and ids are parameters.
        ids = RawSQL(f"SELECT CAST(ie.object_id AS INTEGER) {self._from()}", [self.match, self.content_type])  # noqa: S611
        return queryset.exclude(pk__in=ids) if self.negated else queryset.filter(pk__in=ids)

    def ranked(self, queryset, start: int, stop: int, allowed=None) -> list[SearchEntry]:
        """The entries of ``queryset`` among the matches, best first; ``allowed`` (the
        same permission and facet filters on EntryFacets) is the cheaper set to test."""
        if self.negated:
            return list(self.matched(queryset).order_by("-published_at", "-id")[start:stop])
        allowed = queryset if allowed is None else allowed
        allowed_sql, allowed_params = allowed.order_by().values("pk").query.sql_with_params()
        sql = (f'SELECT CAST(ie.object_id AS INTEGER), bm25("{self.fts}", {self.weights}) AS score {self._from()} '
               f"AND CAST(ie.object_id AS INTEGER) IN ({allowed_sql}) ORDER BY score LIMIT %s OFFSET %s")
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.match, self.content_type, *allowed_params, stop - start, start])
            rows = cursor.fetchall()
        return self.load(queryset, rows)


def _single_pass(matches_sql: str, matches_params: list, filters: Filters, window: int, score: str, order: str,
                 *, descending: bool, join: str = "", score_params: list | None = None, index_only: bool = False,
                 rescore=None, entry_id: str = "m.id"):
    """Run ``matches_sql`` (id, facet columns k t a l r b, and what ``score`` needs) once,
    materialised as ``m``; in the same statement group it per facet (_counts_sql) and take
    the best ``window`` under every active facet. Returns (counts, total, [(id, score)]).

    ``rescore(where, where_params)`` -> (FROM clause, params), if given, replaces
    ``m {join}{where}`` as the source of the best results (the score and ``entry_id``
    computed there)."""
    counts_sql, counts_params = _counts_sql(filters)
    where, where_params = _where(filters)
    if rescore is not None:
        source, source_params = rescore(where, where_params)
    else:
        source, source_params = f"m {join}{where}", where_params
    best_sql = (f"SELECT * FROM (SELECT '_hit' AS g, '' AS v, {entry_id} AS n, {score} AS s FROM {source}"  # noqa: S608
                f" ORDER BY {order} LIMIT %s) AS best")
    # Table names come from model metadata, columns are constants; values are parameters.
    sql = f"WITH m AS MATERIALIZED ({matches_sql}) {counts_sql} UNION ALL {best_sql}"  # noqa: S608
    params = [*matches_params, *counts_params, *(score_params or []), *source_params, window]
    if index_only and connection.vendor == "postgresql":
        rows = run_on_gin_index(sql, params)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    counts, total = _read_counts(rows)
    best = [(n, s) for g, _v, n, s in rows if g == "_hit"]
    best.sort(key=lambda pair: (-pair[1] if descending else pair[1], -pair[0]))
    return counts, total, best


def run_on_gin_index(sql: str, params: list) -> list:
    """PostgreSQL: the rows of ``sql`` planned with sequential scans off, for this statement only.

    The planner costs ``(title || body) @@ q`` as a cheap operator and, when it expects many
    matches, prefers a sequential scan that concatenates and decompresses every row's vectors
    (~2 s at 100k entries) to the GIN index. The hint goes in the same query string, one implicit
    transaction (``SET LOCAL …; sql; SET LOCAL …``), which only client-side binding can send: with
    server-side binding (``DATABASE_SERVER_SIDE_BINDING``, the default) this one cursor binds on
    the client (a statement that differs with every query gains nothing from being prepared)."""
    with _client_binding_cursor() as cursor:
        cursor.execute(f"SET LOCAL enable_seqscan = off; {sql}; SET LOCAL enable_seqscan = on", params)
        cursor.nextset()
        return cursor.fetchall()


def _client_binding_cursor():
    """A Django cursor (query logging, execute wrappers, error translation) whose psycopg cursor
    binds parameters on the client, whatever ``server_side_binding`` says."""
    cursor = connection.cursor()
    if _client_side_binding(cursor):
        return cursor
    cursor.close()
    from django.db.backends.postgresql.base import Cursor  # Django's client-side binding cursor

    raw_connection = connection.connection
    factory = raw_connection.cursor_factory
    raw_connection.cursor_factory = Cursor
    try:
        with connection.wrap_database_errors:
            raw = connection.create_cursor()
    finally:
        raw_connection.cursor_factory = factory
    return connection._prepare_cursor(raw)  # as BaseDatabaseWrapper._cursor wraps create_cursor()


def _client_side_binding(cursor) -> bool:
    """True when several statements can be sent in one execute (psycopg's ClientCursor,
    Django's default for PostgreSQL)."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - not PostgreSQL
        return False
    return isinstance(getattr(cursor, "cursor", None), psycopg.ClientCursor)


def _permission_sql(narrow) -> tuple[str, list]:
    """The WHERE of ``narrow`` (EntryFacets under the reader's permission filter), on the
    unaliased table name: the very filter of every other search query."""
    query = narrow.query
    return query.get_compiler(using=narrow.db).compile(query.where)


class _PostgresFTS:
    """PostgreSQL fast path, same tsquery and score as modelsearch's PostgreSQL backend.

    modelsearch joins every entry to its index row through a text cast of the id and
    ranks in a query whose plan reads the whole index table (the GIN index on
    ``title || body`` of migration 0003 is not used when the rank is needed). Here the
    index rows are found through that GIN index once, joined to the narrow facet rows
    under the permission filter, counted per facet, and ranked (``ts_rank`` of title
    times title_norm plus body, as modelsearch does) in the same statement.
    """

    def __init__(self, search_backend, query):
        from django.contrib.contenttypes.models import ContentType
        from modelsearch.conf import get_app_config

        self.entries = get_app_config().get_model("IndexEntry")._meta.db_table
        self.content_type = ContentType.objects.get_for_model(SearchEntry).pk
        compiler = search_backend.query_compiler_class(SearchEntry.objects.all(), query)
        tsquery = compiler.build_tsquery(query, config=search_backend.config)
        sql_compiler = SearchEntry.objects.all().query.get_compiler(using=SearchEntry.objects.db)
        self.tsquery_sql, self.tsquery_params = tsquery.as_sql(sql_compiler, connection)
        self.weights = compiler.sql_weights

    def summary(self, narrow, filters: Filters, now, window: int):
        """(counts, total, [(id, score)]) of the matches the reader may see (``narrow``: the
        EntryFacets rows under the permission filter).

        First choice: one statement for the matching ids and the best ``window`` under every
        active facet, with the facet counts and the total from bitmaps of the facet rows
        (search.pg_summary); when they cannot answer, the one-statement SQL summary
        (``sql_summary``), whose results they reproduce exactly."""
        permission = _permission_sql(narrow)
        fast = pg_summary.summary(self, permission, filters, now, window)
        if fast is not None:
            return fast
        return self.sql_summary(permission, filters, now, window)

    def match_sql(self, join: str = "") -> tuple[str, list]:
        """The index rows of SearchEntry matching the query, through the GIN index on
        ``title || body``.

        ``content_type_id + 0``: nearly every index row is a SearchEntry, yet with the plain
        column the planner walks the content type's b-tree and tests ``@@`` on every row,
        concatenating and detoasting both vectors (~170 ms at 15k entries instead of ~10 ms
        through the GIN index)."""
        # Table names come from model metadata; values are parameters.
        return (f'FROM "{self.entries}" ie {join} WHERE ie.content_type_id + 0 = %s '  # noqa: S608
                f"AND (ie.title || ie.body) @@ {self.tsquery_sql}"), [self.content_type, *self.tsquery_params]

    def rank_sql(self) -> tuple[str, str, str, list]:
        """(columns carried in the matches ``m``, join, score expression, score params) of the
        engine score; ``m`` has ``id`` (entry), ``ie_id`` and the carried columns."""
        q = self.tsquery_sql
        weights = f"'{self.weights}'::float4[]"
        if pgrank.body_chars():
            # The short rank vectors (search.pgrank: summary, stems and the beginning of the body, kept
            # in their row): the full, TOASTed body vector is read only for an entry without one. The
            # title vector and norm (short, in the index row the match has just read) are carried in
            # ``m``, so ranking does not look the index row up again.
            carried = "ie.title AS tt, ie.title_norm AS tn, "
            join = f"LEFT JOIN {pgrank.TABLE} rv ON rv.entry_id = m.id"
            full_body = f'(SELECT ie.body FROM "{self.entries}" ie WHERE ie.id = m.ie_id)'  # noqa: S608
            rank = (f"(ts_rank({weights}, m.tt, {q}) * m.tn"
                    f" + ts_rank({weights}, COALESCE(rv.body, {full_body}), {q}))")
        else:
            # Exact: every match's full title and body vectors.
            carried = ""
            join = f'JOIN "{self.entries}" ie ON ie.id = m.ie_id'
            rank = (f"(ts_rank({weights}, ie.title, {q}) * ie.title_norm"
                    f" + ts_rank({weights}, ie.body, {q}))")
        return carried, join, rank, [*self.tsquery_params, *self.tsquery_params]

    def sql_summary(self, permission: tuple[str, list], filters: Filters, now, window: int):
        """The summary in one statement (see _single_pass): the permitted matches with their
        facet columns, grouped per facet, and the best ``window`` under every active facet."""
        table = EntryFacets._meta.db_table
        permission_sql, permission_params = permission
        bucket_sql, bucket_params = _bucket_sql(f'"{table}"."published_at"', now)
        columns = ", ".join(f'"{table}"."{name}" AS {alias}' for name, alias in (
            ("facet_kind", "k"), ("themes", "t"), ("audiences", "a"), ("service_levels", "l"), ("region", "r")))
        carried, join, rank, score_params = self.rank_sql()
        match_sql, match_params = self.match_sql(
            f'JOIN "{table}" ON "{table}"."entry_id" = (ie.object_id)::integer')
        # The rank reads the vectors: computed in the best-results part only, so for the
        # matches under every active facet, not for all the permitted matches.
        # Table names come from model metadata, weights from modelsearch; values are parameters.
        matches = (f'SELECT "{table}"."entry_id" AS id, ie.id AS ie_id, {carried}{columns}, {bucket_sql} AS b '  # noqa: S608
                   f"{match_sql} AND ({permission_sql})")
        params = [*bucket_params, *match_params, *permission_params]
        return _single_pass(matches, params, filters, window, rank, "s DESC, m.id DESC", descending=True,
                            join=join, score_params=score_params, index_only=True)


def _is_postgres_fts(search_backend) -> bool:
    return type(search_backend).__name__ == "PostgresSearchBackend" and connection.vendor == "postgresql"


def _is_sqlite_fts(search_backend) -> bool:
    return type(search_backend).__name__ == "SQLiteSearchBackend"


def _query_key(parsed: ParsedQuery, database: bool) -> list:
    """What the engine receives from ``parsed``, as a cache key part (the database
    engines search the stems, the external ones the folded words)."""

    def forms(clauses):
        return [c.stems if database else [french.fold(w) for w in c.words] for c in clauses]

    return [forms(parsed.terms), forms(parsed.phrases), forms(parsed.excluded)]


def run(*, parsed: ParsedQuery, filters: Filters, reader: Reader, sort: str = RELEVANCE, page: int = 1,
        page_size: int = PAGE_SIZE) -> Outcome:
    """Search. Raises :class:`search.engine.SearchUnavailable` if the engine fails.

    What depends on every match (the total, the facet counts, the ranked ids of the
    re-ranking window or of a page) is cached briefly per query, filters and access
    tokens (search.resultcache, invalidated by every index write); the entries shown
    are then loaded by id with the reader's permission filter applied again, and only
    they are highlighted.
    """
    now = timezone.now()
    search_backend = engine.backend()
    database = engine.is_database(search_backend)
    query = parsed.to_search_query(database=database)
    if query is None or not parsed.has_positive:
        sort = RECENT
    start, stop = (page - 1) * page_size, page * page_size
    window = settings.SEARCH_RERANK_WINDOW
    stems = parsed.positive_stems
    in_window = query is not None and sort == RELEVANCE and start < window

    cache_keys: dict[str, str | None] = {"counts": None, "ids": None, "highlights": None}
    if resultcache.seconds() > 0:
        generation = resultcache.generation()
        common = [type(search_backend).__name__, _query_key(parsed, database),
                  {g: sorted(filters.get(g)) for g in FACET_GROUPS if filters.get(g)}, reader.cache_key]
        cache_keys["counts"] = resultcache.key(generation, "counts", *common)
        cache_keys["ids"] = resultcache.key(generation, "window" if in_window else f"{sort}:{page}:{page_size}",
                                            *common, window if in_window else None)
        # The highlighted titles and snippets of this page: a repeated search then loads the
        # shown entries without their bodies.
        cache_keys["highlights"] = resultcache.key(generation, "highlights", cache_keys["ids"], start, stop)
    cached_counts, cached_ids, highlights = resultcache.get_many(
        cache_keys["counts"], cache_keys["ids"], cache_keys["highlights"])
    # The reader's querysets, for what is not cached (a repeated search needs neither: its shown
    # entries are loaded by _load_shown, with the same permission filter).
    base = narrow = None
    if cached_counts is None or cached_ids is None:
        base = SearchEntry.objects.filter(reader.q()).defer("stems")
        narrow = EntryFacets.objects.filter(reader.q())

    try:
        fts = (_SQLiteFTS(search_backend, query) if query is not None and _is_sqlite_fts(search_backend)
               and (cached_counts is None or cached_ids is None) else None)
        loaded: dict[int, SearchEntry] = {}
        single = None
        if in_window and cached_counts is None and cached_ids is None:
            if fts is not None and not fts.negated:
                single = fts
            elif _is_postgres_fts(search_backend):
                single = _PostgresFTS(search_backend, query)
        if single is not None:
            # A first visit: ONE pass over the matches gives the counts, the total and
            # the best ``window`` ids with the engine's scores.
            counts, total, best_ids = single.summary(narrow, filters, now, window)
            # Re-ranked without loading model instances or bodies; only the shown page's
            # entries are built (and their bodies read if their snippets need them).
            candidates = _load_window(base, best_ids)
            cached_ids = [(c.pk, score) for score, c in _rerank(candidates, stems, now)]
            shown_ids = {pk for pk, _score in cached_ids[start:stop]}
            loaded = _shown_entries(base, [c for c in candidates if c.pk in shown_ids], stems)
            resultcache.put(cache_keys["counts"], (counts, total))
            resultcache.put(cache_keys["ids"], cached_ids)
        elif cached_counts is not None:
            counts, total = cached_counts
        else:
            fast = None
            if query is None and _is_sqlite_fts(search_backend):
                fast = sqlite_summary.browse_counts(_permission_sql(narrow), filters, now)
            elif query is None and _is_postgres_fts(search_backend):
                fast = pg_summary.browse_counts(_permission_sql(narrow), filters, now)
            if fast is not None:
                counts, total = fast
            elif query is None or database:
                # The database answers the counts, whatever the engine (browse mode has no text).
                # Over the narrow facet rows, with the same permission filter.
                if query is None:
                    matched = narrow
                elif fts is not None:
                    matched = fts.matched(narrow)
                else:
                    ids = search_backend.search(query, SearchEntry.objects.all(), order_by_relevance=False)
                    matched = narrow.filter(pk__in=ids.get_queryset().order_by().values("pk"))
                counts, total = _facet_counts_from_db(matched, filters, now)
            else:
                counts, total = _facet_counts_from_engine(search_backend, query, base, filters, now)
            resultcache.put(cache_keys["counts"], (counts, total))

        if cached_ids is not None:
            ranked_ids = cached_ids
        else:
            ranked_ids, loaded = _ranked_ids(search_backend, query, fts, base, narrow, filters, sort, start, stop,
                                             window, stems, now, database=database, in_window=in_window)
            resultcache.put(cache_keys["ids"], ranked_ids)
        shown = ranked_ids[start:stop] if in_window else ranked_ids
        if all(pk in loaded for pk, _score in shown):
            entries = loaded
        else:
            entries = _load_shown(reader, [pk for pk, _score in shown], hit_fields_only=highlights is not None)
    except engine.ENGINE_ERRORS as exc:
        engine.logger.exception("search: the engine failed")
        raise engine.SearchUnavailable(str(exc)) from exc

    taxonomy = labels.taxonomy_labels()
    # The permission filter applies again: an id cached for these tokens that has since
    # disappeared is simply not shown.
    visible = [(entries[pk], score) for pk, score in shown if pk in entries]
    memo = labels.translations()
    if highlights is not None and all(entry.pk in highlights for entry, _score in visible):
        hits = [_hit(entry, stems, taxonomy, score, highlighted=highlights[entry.pk], memo=memo)
                for entry, score in visible]
    else:
        hits = [_hit(entry, stems, taxonomy, score, memo=memo) for entry, score in visible]
        resultcache.put(cache_keys["highlights"], {hit.entry.pk: (hit.title_html, hit.snippet) for hit in hits})
    return Outcome(parsed, filters, sort, page, page_size, total, hits, _facets(counts, filters, taxonomy))


def _ranked_ids(search_backend, query, fts, base, narrow, filters, sort, start, stop, window, stems, now, *,
                database, in_window) -> tuple[list[tuple[int, float]], dict[int, SearchEntry]]:
    """(id, score) of the re-ranking window (``in_window``) or of the requested page, and
    the entries already loaded on the way (so that a first visit loads them once)."""
    filtered = _filtered(base, filters, database=database or query is None, now=now)
    if query is None or (sort == RECENT and fts is not None):
        # Newest first: the page is chosen over the narrow facet rows (the same permission
        # and facet filters), then its entries are loaded. Sorting the entries themselves
        # reads past every candidate's text to its published_at (SQLite stores columns in
        # order): 87 ms instead of ~10 for a theme at 15k entries.
        narrowed = _filtered(narrow, filters, database=True, now=now)
        if query is not None:
            narrowed = fts.matched(narrowed)
        ids = list(narrowed.order_by("-published_at", "-pk").values_list("pk", flat=True)[start:stop])
        found = filtered.in_bulk(ids)
        entries = [found[pk] for pk in ids if pk in found]
    elif sort == RECENT:
        ordered = filtered.order_by("-published_at", "-id")
        entries = list(search_backend.search(query, ordered, order_by_relevance=False)[start:stop])
    elif in_window:
        if fts is not None:
            best = fts.ranked(filtered, 0, window, allowed=_filtered(narrow, filters, database=True, now=now))
        else:
            best = list(search_backend.search(query, filtered).annotate_score("_score")[:window])
        ranked = _rerank(best, stems, now)
        return [(e.pk, score) for score, e in ranked], {e.pk: e for e in best}
    elif fts is not None:
        entries = fts.ranked(filtered, start, stop, allowed=_filtered(narrow, filters, database=True, now=now))
    else:
        entries = list(search_backend.search(query, filtered)[start:stop])
    return [(e.pk, 0.0) for e in entries], {e.pk: e for e in entries}


def autocomplete(text: str, reader: Reader, limit: int = 8) -> list[SearchEntry]:
    """Titles of permitted entries starting with what was typed (last word as a prefix)."""
    words = [french.fold(w) for w in french.words(text)]
    if not words:
        return []
    base = SearchEntry.objects.filter(reader.q()).only("title", "url", "facet_kind")
    search_backend = engine.backend()
    try:
        if _is_sqlite_fts(search_backend):
            return _SQLiteFTS(search_backend, PlainText(" ".join(words), operator="and"), autocomplete=True).ranked(
                base, 0, limit, allowed=EntryFacets.objects.filter(reader.q()))
        return list(search_backend.autocomplete(" ".join(words), base)[:limit])
    except engine.ENGINE_ERRORS as exc:
        engine.logger.exception("search: autocomplete failed")
        raise engine.SearchUnavailable(str(exc)) from exc


def suggestions(parsed: ParsedQuery, reader: Reader) -> str | None:
    """"Did you mean": the query with unknown words replaced by close words of the titles
    the reader may see (vocabulary cached ten minutes per kind of reader; without their
    personal entries, so that members with the same access share it: search.spelling)."""
    vocabulary = spelling.vocabulary(reader.shared())
    changed, out = False, []
    for clause in (*parsed.terms, *parsed.phrases):
        for word in clause.words:
            folded = french.fold(word)
            if folded in vocabulary or len(folded) < 4:
                out.append(word)
                continue
            close = vocabulary.close(folded, cutoff=0.75)
            if close:
                out.append(close)
                changed = True
            else:
                out.append(word)
    return " ".join(out) if changed else None


def ranked_source_ids(text: str, *, reader: Reader, kind: str, limit: int = 500) -> list[str] | None:
    """For apps that filter their own listings by text (the resource library): the source ids
    of the entries of ``kind`` (as their indexer sets it) matching ``text`` that ``reader`` may
    see, best first (same French
    analysis, permissions and ranking as the search page), at most ``limit``.
    Returns None when ``text`` has no positive term (nothing to rank). Raises
    :class:`search.engine.SearchUnavailable` if the engine fails."""
    from .query import parse

    parsed = parse(text)
    search_backend = engine.backend()
    query = parsed.to_search_query(database=engine.is_database(search_backend))
    if query is None or not parsed.has_positive:
        return None
    base = SearchEntry.objects.filter(reader.q(), kind=kind).defer("stems")
    try:
        if _is_sqlite_fts(search_backend):
            best = _SQLiteFTS(search_backend, query).ranked(base, 0, limit)
        else:
            best = list(search_backend.search(query, base).annotate_score("_score")[:limit])
    except engine.ENGINE_ERRORS as exc:
        engine.logger.exception("search: the engine failed")
        raise engine.SearchUnavailable(str(exc)) from exc
    return [entry.source_id for _score, entry in _rerank(best, parsed.positive_stems, timezone.now())]
