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

import difflib
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, CharField, Count, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelsearch.query import Not, PlainText

from . import engine, french, highlight, labels
from .models import SearchEntry
from .permissions import Reader
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


def _facet_counts_from_db(matched, filters: Filters, now) -> tuple[dict[str, Counter], int]:
    """Every facet's counts and the total, from ONE grouped query over the matches.

    The matches are grouped by their combination of facet values (few distinct
    combinations, whatever the number of entries); the OR/AND logic runs in Python.
    """
    combos = (
        matched.order_by()
        .annotate(date_bucket=_date_bucket(now))
        .values_list("facet_kind", "themes", "audiences", "service_levels", "region", "date_bucket")
        .annotate(n=Count("pk"))
    )
    selected = {g: set(filters.get(g)) for g in FACET_GROUPS}
    counts: dict[str, Counter] = defaultdict(Counter)
    total = 0
    if not filters.active:
        # The common case, without the OR/AND bookkeeping.
        kinds, themes_c, audiences_c, levels_c = counts["kind"], counts["theme"], counts["audience"], counts[
            "service_level"]
        regions, dates = counts["region"], counts["date"]
        for kind, themes, audiences, levels, region, bucket, n in combos:
            total += n
            kinds[kind] += n
            for value in (themes or "").split():
                themes_c[value] += n
            for value in (audiences or "").split():
                audiences_c[value] += n
            for value in (levels or "").split():
                levels_c[value] += n
            regions[region or labels.NATIONAL] += n
            if bucket == "mois":
                dates["mois"] += n
                dates["annee"] += n
            elif bucket:
                dates[bucket] += n
        return counts, total
    for kind, themes, audiences, levels, region, bucket, n in combos:
        values = {
            "kind": {kind},
            "theme": set((themes or "").split()),
            "audience": set((audiences or "").split()),
            "service_level": set((levels or "").split()),
            "region": {region or labels.NATIONAL},
            # "Moins d'un an" includes the last month.
            "date": {"mois", "annee"} if bucket == "mois" else ({bucket} if bucket else set()),
        }
        passes = {g: (not selected[g]) or bool(values[g] & selected[g]) for g in FACET_GROUPS}
        if all(passes.values()):
            total += n
        for group in FACET_GROUPS:
            if all(passes[other] for other in FACET_GROUPS if other != group):
                for value in values[group]:
                    counts[group][value] += n
    return counts, total


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


def _facets(counts: dict[str, Counter], filters: Filters) -> list[Facet]:
    taxonomy = labels.taxonomy_labels()
    facets = []
    for group in FACET_GROUPS:
        selected = set(filters.get(group))
        group_counts = Counter(counts.get(group, {}))
        for value in selected:
            group_counts.setdefault(value, 0)
        options = []
        for value, count in group_counts.items():
            if group == "kind":
                label = labels.kind_label(value)
            elif group == "date":
                if value not in labels.DATE_RANGES:
                    continue
                label = str(labels.DATE_RANGES[value][0])
            elif group == "region" and value == labels.NATIONAL:
                label = str(labels.NATIONAL_LABEL)
            else:
                label = taxonomy.get(group, {}).get(value, value)
            options.append(FacetOption(value, label, count, value in selected))
        if group == "date":
            order = list(labels.DATE_RANGES)
            options.sort(key=lambda o: order.index(o.value))
        else:
            options.sort(key=lambda o: (-o.count, o.label.lower()))
        if options:
            facets.append(Facet(group, str(FACET_TITLES[group]), options))
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
            score += 0.6 * len(stems & set(french.stems(entry.title))) / len(stems)
            score += 0.25 * len(stems & set(french.stems(entry.summary[:2000]))) / len(stems)
        date = entry.published_at or entry.updated_at
        if date:
            age = max((now - date).total_seconds() / 86400, 0)
            score += 0.2 * math.exp(-age / 365)
        if entry.useful_count:
            score += 0.1 * min(1.0, math.log1p(entry.useful_count) / math.log(51))
        scored.append((score, entry))
    # Stable: equal scores keep the engine's order.
    return sorted(scored, key=lambda pair: -pair[0])


def _hit(entry: SearchEntry, stems: set[str], taxonomy, score=0.0) -> Hit:
    text = entry.summary if entry.summary else entry.body
    if stems and entry.summary and entry.body:
        # Prefer the body when the summary has no query word but the body has.
        summary_stems = set(french.stems(entry.summary))
        if not (summary_stems & stems):
            text = entry.body
    return Hit(
        entry=entry,
        title_html=highlight.highlight_text(entry.title, stems),
        snippet=highlight.snippet(text, stems),
        kind_label=labels.kind_label(entry.facet_kind),
        themes=[(slug, taxonomy.get("theme", {}).get(slug, slug)) for slug in entry.theme_slugs],
        date=entry.published_at or entry.updated_at,
        score=score,
    )


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

    def _from(self) -> str:
        return (f'FROM "{self.fts}" CROSS JOIN "{self.entries}" ie ON ie.id = "{self.fts}".rowid '
                f'WHERE "{self.fts}" MATCH %s AND ie.content_type_id = %s')

    def matched(self, queryset):
        # Table names come from model metadata; the match string and ids are parameters.
        ids = RawSQL(f"SELECT CAST(ie.object_id AS INTEGER) {self._from()}", [self.match, self.content_type])  # noqa: S611
        return queryset.exclude(id__in=ids) if self.negated else queryset.filter(id__in=ids)

    def ranked(self, queryset, start: int, stop: int) -> list[SearchEntry]:
        if self.negated:
            return list(self.matched(queryset).order_by("-published_at", "-id")[start:stop])
        allowed_sql, allowed_params = queryset.order_by().values("id").query.sql_with_params()
        sql = (f'SELECT CAST(ie.object_id AS INTEGER), bm25("{self.fts}", {self.weights}) AS score {self._from()} '
               f"AND CAST(ie.object_id AS INTEGER) IN ({allowed_sql}) ORDER BY score LIMIT %s OFFSET %s")
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.match, self.content_type, *allowed_params, stop - start, start])
            rows = cursor.fetchall()
        entries = queryset.in_bulk([pk for pk, _score in rows])
        ranked = []
        for pk, score in rows:
            if pk in entries:
                entries[pk]._score = score
                ranked.append(entries[pk])
        return ranked


def _is_sqlite_fts(search_backend) -> bool:
    return type(search_backend).__name__ == "SQLiteSearchBackend"


def run(*, parsed: ParsedQuery, filters: Filters, reader: Reader, sort: str = RELEVANCE, page: int = 1,
        page_size: int = PAGE_SIZE) -> Outcome:
    """Search. Raises :class:`search.engine.SearchUnavailable` if the engine fails."""
    now = timezone.now()
    search_backend = engine.backend()
    database = engine.is_database(search_backend)
    query = parsed.to_search_query(database=database)
    if query is None or not parsed.has_positive:
        sort = RECENT
    base = SearchEntry.objects.filter(reader.q()).defer("stems")
    start, stop = (page - 1) * page_size, page * page_size
    window = settings.SEARCH_RERANK_WINDOW
    stems = parsed.positive_stems
    scores: dict[int, float] = {}

    try:
        fts = _SQLiteFTS(search_backend, query) if query is not None and _is_sqlite_fts(search_backend) else None
        if query is None or database:
            # The database answers the counts, whatever the engine (browse mode has no text).
            if query is None:
                matched = base
            elif fts is not None:
                matched = fts.matched(base)
            else:
                matched = search_backend.search(query, base, order_by_relevance=False).get_queryset()
            counts, total = _facet_counts_from_db(matched, filters, now)
        else:
            counts, total = _facet_counts_from_engine(search_backend, query, base, filters, now)

        filtered = _filtered(base, filters, database=database or query is None, now=now)
        if query is None:
            entries = list(filtered.order_by("-published_at", "-id")[start:stop])
        elif sort == RECENT:
            if fts is not None:
                entries = list(fts.matched(filtered).order_by("-published_at", "-id")[start:stop])
            else:
                ordered = filtered.order_by("-published_at", "-id")
                entries = list(search_backend.search(query, ordered, order_by_relevance=False)[start:stop])
        elif start < window:
            if fts is not None:
                best = fts.ranked(filtered, 0, window)
            else:
                best = list(search_backend.search(query, filtered).annotate_score("_score")[:window])
            ranked = _rerank(best, stems, now)
            scores = {e.pk: s for s, e in ranked}
            entries = [e for _s, e in ranked[start:stop]]
        elif fts is not None:
            entries = fts.ranked(filtered, start, stop)
        else:
            entries = list(search_backend.search(query, filtered)[start:stop])
    except engine.ENGINE_ERRORS as exc:
        engine.logger.exception("search: the engine failed")
        raise engine.SearchUnavailable(str(exc)) from exc

    taxonomy = labels.taxonomy_labels()
    hits = [_hit(e, stems, taxonomy, scores.get(e.pk, 0.0)) for e in entries]
    return Outcome(parsed, filters, sort, page, page_size, total, hits, _facets(counts, filters))


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
                base, 0, limit)
        return list(search_backend.autocomplete(" ".join(words), base)[:limit])
    except engine.ENGINE_ERRORS as exc:
        engine.logger.exception("search: autocomplete failed")
        raise engine.SearchUnavailable(str(exc)) from exc


def suggestions(parsed: ParsedQuery, reader: Reader) -> str | None:
    """"Did you mean": the query with unknown words replaced by close words of the titles
    the reader may see (vocabulary cached ten minutes per kind of reader)."""
    key = f"search:vocabulary:{reader.cache_key}"
    vocabulary = cache.get(key)
    if vocabulary is None:
        titles = SearchEntry.objects.filter(reader.q()).order_by("-published_at").values_list("title", flat=True)
        vocabulary = sorted({french.fold(w) for t in titles[:5000] for w in french.words(t) if len(w) > 3})
        cache.set(key, vocabulary, 600)
    known = set(vocabulary)
    changed, out = False, []
    for clause in (*parsed.terms, *parsed.phrases):
        for word in clause.words:
            folded = french.fold(word)
            if folded in known or len(folded) < 4:
                out.append(word)
                continue
            close = difflib.get_close_matches(folded, vocabulary, n=1, cutoff=0.75)
            if close:
                out.append(close[0])
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
