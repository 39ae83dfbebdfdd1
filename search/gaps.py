"""Content gaps (issue 9): which searches find nothing or lead to no click.

* Every new search (page 1 of the HTML page, page 1 of the API; never the header's
  suggestions) is one :class:`~search.models.SearchQueryLog` row, grouped under a
  :class:`~search.models.SearchGap` by its normalised form, :func:`query_key`: the sorted
  distinct French stems of the query (accents, case, punctuation, plurals, feminine forms,
  stop words and word order do not matter; excluded words count as ``-stem``).
* The facet, sort and page links of a results page carry the row's id (``r=``), so a
  refinement is not counted as another search, and the result links go through
  ``/recherche/aller/<row>/<entry>/``, which counts the click (see views.go).
* Nothing personal is stored (no user, no IP address, no session); rows are deleted after
  ``SEARCH_LOG_RETENTION_DAYS`` by :func:`purge` (``manage.py purge_search_log``).
* Moderators work in the admin report "Recherches sans résultat" (search/admin_views.py):
  mark handled, reopen, or link a recommended entry, shown first ("Résultat recommandé")
  to the readers who may see it.

Definitions over a period: ``searches`` = rows; ``zero_results`` = rows with no result;
``no_click`` = rows of the HTML page with results of which none was opened (API searches
cannot be followed, a search without results cannot be clicked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from comcep.core.ids import is_db_id
from comcep.core.prepared import PreparedCreate, PreparedQuery

from . import highlight, labels
from .enums import GapStatus, SearchSource
from .models import SearchEntry, SearchGap, SearchQueryLog
from .permissions import Reader
from .query import ParsedQuery

DEFAULT_RETENTION_DAYS = 365

SHOW_GAPS = "lacunes"  # no result or no click
SHOW_ZERO = "sans-resultat"
SHOW_NO_CLICK = "sans-clic"
SHOW_ALL = "toutes"
SHOWS = (SHOW_GAPS, SHOW_ZERO, SHOW_NO_CLICK, SHOW_ALL)


# A query's group with its recommended entry: looked up on every new search (compiled once).
_GAP = PreparedQuery(
    "search.gap",
    lambda *, key: SearchGap.objects.select_related("recommended_entry").filter(key=key),
    params={"key": str},
)


# --- The search log's write -------------------------------------------------------------
#
# A new search is the only write of a read page. On PostgreSQL its commit used to wait for the WAL
# flush (fdatasync, ~4-6 ms on the benchmark disk, and 100-850 ms whenever anything else on the
# same file system writes: docs/performance.md, "Session 8: search pages' stalls"). The log is
# analytics: its transaction commits with ``synchronous_commit`` off (the row is in the WAL at
# once and on disk within ``wal_writer_delay`` x 3 at worst, 0.6 s by default). A crash of the
# server (not of Comcep) may lose the searches of that last fraction of a second; nothing else:
# the setting is local to the log's own transaction, which holds no other write, and a database
# crash never leaves a half-written or corrupt row. Other databases: the ORM's INSERT, as before.

_ASYNC_INSERTS: dict[tuple, tuple[str, list]] = {}  # (model, alias, on conflict): (SQL, fields)


def _async_insert_sql(model, alias: str, *, ignore_conflicts: bool) -> tuple[str, list]:
    """``INSERT INTO <table> (...) SELECT %s, ... FROM (SELECT set_config('synchronous_commit',
    'off', true)) [ON CONFLICT DO NOTHING] RETURNING id``: one statement, whose own (autocommit)
    transaction commits asynchronously (``set_config(..., true)`` is ``SET LOCAL``, undone when
    that transaction ends). The SQL text is constant: psycopg prepares it on each connection."""
    cache_key = (model, alias, ignore_conflicts)
    prepared = _ASYNC_INSERTS.get(cache_key)
    if prepared is None:
        quote = connections[alias].ops.quote_name
        meta = model._meta
        fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
        sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 - model names only
               f"SELECT {', '.join(['%s'] * len(fields))} "
               "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit "
               f"{'ON CONFLICT DO NOTHING ' if ignore_conflicts else ''}RETURNING {quote(meta.pk.column)}")
        prepared = _ASYNC_INSERTS[cache_key] = (sql, fields)
    return prepared


def _async_commit(alias: str) -> bool:
    """PostgreSQL, and no transaction open: the statement is its own transaction, so the setting
    touches nothing else. Inside a caller's ``atomic`` (tests, a future caller with other writes)
    the row is written with the caller's transaction and commits as it does."""
    connection = connections[alias]
    return connection.vendor == "postgresql" and not connection.in_atomic_block and connection.get_autocommit()


def _insert_async(obj, *, ignore_conflicts: bool = False) -> int | None:
    """Insert ``obj`` in one statement committed with ``synchronous_commit`` off; its id, or None
    if a conflict was ignored. Values are computed as the ORM's insert does (defaults,
    ``auto_now_add``)."""
    alias = router.db_for_write(type(obj))
    connection = connections[alias]
    sql, fields = _async_insert_sql(type(obj), alias, ignore_conflicts=ignore_conflicts)
    params = [field.get_db_prep_save(field.pre_save(obj, add=True), connection=connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


#: ``SearchQueryLog.objects.create``'s INSERT, compiled once per process (every new search on SQLite).
_LOG_CREATE = PreparedCreate("search.log_create", SearchQueryLog)


def _log_search(**values) -> int:
    """Insert one SearchQueryLog row; its id."""
    alias = router.db_for_write(SearchQueryLog)
    if _async_commit(alias):
        return _insert_async(SearchQueryLog(**values))
    return _LOG_CREATE.create(SearchQueryLog(**values), using=alias).pk


# --- A new search of a known query: one statement on PostgreSQL -----------------------------
#
# A search whose query was seen before (almost every search) found its group (a SELECT with the
# recommended entry) and then wrote its row (the INSERT above): two round trips and two executions
# on the server. On PostgreSQL both are one statement: a data-modifying CTE reads the group by its
# key, inserts the row under it (committed asynchronously when the statement is its own transaction,
# as above) and returns the row's id with the recommended entry's columns. No group yet: no row is
# written and the caller creates the group first, as before. What is stored is what the ORM stores.

_LOGGED: dict[tuple, tuple[str, list, list]] = {}  # (alias, async commit): (SQL, log fields, entry fields)


def _log_under_gap_sql(alias: str, *, async_commit: bool) -> tuple[str, list, list]:
    cache_key = (alias, async_commit)
    prepared = _LOGGED.get(cache_key)
    if prepared is None:
        quote = connections[alias].ops.quote_name
        log_meta, gap_meta, entry_meta = SearchQueryLog._meta, SearchGap._meta, SearchEntry._meta
        log_fields = [f for f in log_meta.concrete_fields if f is not log_meta.auto_field]
        gap_column = log_meta.get_field("gap").column
        entry_fields = list(entry_meta.concrete_fields)
        values = ", ".join("gap.id" if f.column == gap_column else "%s" for f in log_fields)
        sources = "gap CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit" \
            if async_commit else "gap"
        sql = (
            f"WITH gap AS (SELECT {quote(gap_meta.pk.column)} AS id, "  # noqa: S608 - model names only
            f"{quote(gap_meta.get_field('recommended_entry').column)} AS recommended "
            f"FROM {quote(gap_meta.db_table)} WHERE {quote(gap_meta.get_field('key').column)} = %s), "
            f"log AS (INSERT INTO {quote(log_meta.db_table)} ({', '.join(quote(f.column) for f in log_fields)}) "
            f"SELECT {values} FROM {sources} RETURNING {quote(log_meta.pk.column)} AS id) "
            f"SELECT log.id, {', '.join(f'entry.{quote(f.column)}' for f in entry_fields)} "
            f"FROM log CROSS JOIN gap LEFT JOIN {quote(entry_meta.db_table)} AS entry "
            f"ON entry.{quote(entry_meta.pk.column)} = gap.recommended"
        )
        prepared = _LOGGED[cache_key] = (sql, [f for f in log_fields if f.column != gap_column], entry_fields)
    return prepared


def _log_under_known_gap(key: str, values: dict) -> Tracking | None:
    """PostgreSQL: log the search under the existing group of ``key`` in one statement; the row's id
    and the group's recommended entry, or None if the group does not exist yet (nothing written)."""
    alias = router.db_for_write(SearchQueryLog)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    sql, fields, entry_fields = _log_under_gap_sql(alias, async_commit=_async_commit(alias))
    log = SearchQueryLog(**values)
    params = [key, *(f.get_db_prep_save(f.pre_save(log, add=True), connection=connection) for f in fields)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    recommended = None if row[1] is None else _entry_from_row(alias, entry_fields, row[1:])
    return Tracking(row[0], recommended)


def _entry_from_row(alias: str, fields: list, values) -> SearchEntry:
    """A SearchEntry from its raw columns, converted as the ORM converts them."""
    connection = connections[alias]
    table = SearchEntry._meta.db_table
    converted = []
    for field, value in zip(fields, values, strict=True):
        column = field.get_col(table)
        for converter in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
            value = converter(value, column, connection)
        converted.append(value)
    return SearchEntry.from_db(alias, [f.attname for f in fields], converted)


def _create_gap(key: str, label: str) -> SearchGap:
    """The group of a query seen for the first time (once per distinct query, ever), created
    or, if another request has just created it, read."""
    if not _async_commit(router.db_for_write(SearchGap)):
        return SearchGap.objects.get_or_create(key=key, defaults={"label": label})[0]
    gap = SearchGap(key=key, label=label)
    gap.pk = _insert_async(gap, ignore_conflicts=True)
    if gap.pk is None:  # created meanwhile by another request (committed: ON CONFLICT waited for it)
        return _GAP.first(key=key)
    gap._state.adding, gap._state.db = False, router.db_for_write(SearchGap)
    return gap


def query_key(parsed: ParsedQuery) -> str:
    """The grouping form of a query: sorted distinct stems, then ``-stem`` for excluded words."""
    positives = sorted(parsed.positive_stems)
    negatives = sorted({f"-{stem}" for clause in parsed.excluded for stem in clause.stems})
    return " ".join(positives + negatives)[:200]


@dataclass
class Tracking:
    log_id: int | None = None
    recommended: SearchEntry | None = None


def valid_id(value) -> int | None:
    """A positive database id from user input, or None (never an overflow error)."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if is_db_id(number) else None


def track(parsed: ParsedQuery, *, total: int, filtered: bool, source: str, page: int = 1, ref=None,
          record: bool = True) -> Tracking:
    """Log a new search (page 1 only) or recognise a refinement of a logged one (``ref``, the
    ``r=`` of the results' links, for the same normalised query). Returns the row's id (for
    click links) and the query's recommended entry (not yet checked against the reader).
    ``record=False`` (moderators' own searches, which would skew the figures they read):
    nothing is written, the recommended entry is still returned.
    Queries: one (refinement, page 2+, not recorded) or two (new search; three the first
    time a query is seen)."""
    key = query_key(parsed)
    if not key:
        return Tracking()
    ref = valid_id(ref) if ref and record else None
    if ref is not None:
        log = SearchQueryLog.objects.select_related("gap__recommended_entry").filter(pk=ref, gap__key=key).first()
        if log is not None:
            return Tracking(log.pk, log.gap.recommended_entry)
    if page != 1:
        return Tracking()
    values = {"query": parsed.normalised, "result_count": total, "filtered": filtered, "source": source}
    if record:
        tracking = _log_under_known_gap(key, values)  # PostgreSQL: one statement (above)
        if tracking is not None:
            return tracking
    gap = _GAP.first(key=key)
    if not record:
        return Tracking(None, gap.recommended_entry if gap else None)
    if gap is None:
        gap = _create_gap(key, parsed.normalised[:200])
    log_id = _log_search(gap=gap, **values)
    return Tracking(log_id, gap.recommended_entry)


def visible_recommendation(tracking: Tracking, reader: Reader) -> SearchEntry | None:
    """The recommended entry if the reader may open it (the same rule as the results)."""
    entry = tracking.recommended
    return entry if entry is not None and reader.may_see(entry.access) else None


@dataclass
class Recommendation:
    entry: SearchEntry
    title: str
    url: str  # the entry's URL, or the click-counting URL on the HTML page
    kind_label: str
    snippet: str


def recommendation(entry: SearchEntry, stems: set[str], *, log_id: int | None = None) -> Recommendation:
    text = entry.summary or entry.body
    url = f"/recherche/aller/{log_id}/{entry.pk}/" if log_id else entry.url
    return Recommendation(entry, entry.title, url, labels.kind_label(entry.facet_kind),
                          highlight.snippet(text, stems) if text else "")


def click_target(log_id, entry_id, reader: Reader, *, host: str) -> str | None:
    """Count a click of search ``log_id`` on ``entry_id`` and return where to go, or None
    (unknown search or entry, entry the reader may not open, URL off the site): never an
    open redirect, never a click recorded for an entry the reader may not see."""
    log_id, entry_id = valid_id(log_id), valid_id(entry_id)
    if log_id is None or entry_id is None:
        return None
    url = SearchEntry.objects.filter(reader.q(), pk=entry_id).values_list("url", flat=True).first()
    if not url or not url_has_allowed_host_and_scheme(url, allowed_hosts={host}, require_https=False):
        return None
    if not SearchQueryLog.objects.filter(pk=log_id).update(clicks=F("clicks") + 1):
        return None
    return url


# --- Reporting --------------------------------------------------------------------------


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end + 1 day 00:00) in the site's time zone (Europe/Paris)."""
    tz = timezone.get_default_timezone()
    return (datetime.combine(start, time.min, tzinfo=tz),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def gap_rows(start, end, *, show: str = SHOW_GAPS, status: str | None = GapStatus.OPEN):
    """SearchGap rows with the period's figures as attributes: ``searches``, ``zero_results``,
    ``no_click``, ``failed`` (= zero_results + no_click), ``first_seen``, ``last_seen``;
    most failed first. One query, whatever the number of searches."""
    low, high = period_bounds(_as_date(start), _as_date(end))
    rows = SearchGap.objects.filter(searches__created_at__gte=low, searches__created_at__lt=high)
    if status:
        rows = rows.filter(status=status)
    rows = rows.annotate(
        searches_count=Count("searches"),
        zero_results=Count("searches", filter=Q(searches__result_count=0)),
        no_click=Count("searches", filter=Q(searches__result_count__gt=0, searches__clicks=0,
                                             searches__source=SearchSource.HTML)),
        first_seen=Min("searches__created_at"),
        last_seen=Max("searches__created_at"),
    ).annotate(failed=F("zero_results") + F("no_click"))
    if show == SHOW_ZERO:
        rows = rows.filter(zero_results__gt=0)
    elif show == SHOW_NO_CLICK:
        rows = rows.filter(no_click__gt=0)
    elif show == SHOW_GAPS:
        rows = rows.filter(failed__gt=0)
    order = ("-searches_count", "label") if show == SHOW_ALL else ("-failed", "-searches_count", "label")
    return rows.select_related("recommended_entry", "handled_by").order_by(*order)


def top_gaps(start, end, limit: int = 10) -> list[dict]:
    """For the animation dashboard: the open gaps of the period (dates or datetimes,
    inclusive, Europe/Paris days), most failed searches first. Rows:
    ``{"query", "searches", "zero_results", "no_click", "last_seen"}``."""
    return [
        {"query": gap.label, "searches": gap.searches_count, "zero_results": gap.zero_results,
         "no_click": gap.no_click, "last_seen": gap.last_seen}
        for gap in gap_rows(start, end)[:limit]
    ]


# --- Moderators' actions ----------------------------------------------------------------


@transaction.atomic
def mark_handled(*, gap: SearchGap, moderator, note: str = "") -> SearchGap:
    gap.status, gap.handled_by, gap.handled_at = GapStatus.HANDLED, moderator, timezone.now()
    if note:
        gap.note = note
    gap.save(update_fields=["status", "handled_by", "handled_at", "note"])
    return gap


@transaction.atomic
def reopen(*, gap: SearchGap, moderator) -> SearchGap:
    gap.status, gap.handled_by, gap.handled_at = GapStatus.OPEN, None, None
    gap.save(update_fields=["status", "handled_by", "handled_at"])
    return gap


@transaction.atomic
def recommend(*, gap: SearchGap, entry: SearchEntry | None, moderator) -> SearchGap:
    """Link (or, with ``entry=None``, unlink) the recommended result. Linking handles the gap."""
    gap.recommended_entry = entry
    fields = ["recommended_entry"]
    if entry is not None:
        gap.status, gap.handled_by, gap.handled_at = GapStatus.HANDLED, moderator, timezone.now()
        fields += ["status", "handled_by", "handled_at"]
    gap.save(update_fields=fields)
    return gap


def retention_days() -> int:
    return int(getattr(settings, "SEARCH_LOG_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


@transaction.atomic
def purge(days: int | None = None, *, now=None) -> tuple[int, int]:
    """Delete the searches older than ``days`` (default SEARCH_LOG_RETENTION_DAYS), then the
    groups left without searches that hold no moderator decision. Returns (searches, groups)."""
    days = retention_days() if days is None else days
    limit = (now or timezone.now()) - timedelta(days=days)
    searches, _detail = SearchQueryLog.objects.filter(created_at__lt=limit).delete()
    groups, _detail = (SearchGap.objects.filter(status=GapStatus.OPEN, recommended_entry__isnull=True, note="")
                       .exclude(searches__isnull=False).delete())
    return searches, groups
