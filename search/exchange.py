"""``search_gaps`` in the content exchange format: the moderators' decisions about searched
queries (status, note, recommended result), and for demos optional anonymous search counts.

    {"query": "reconversion infirmière", "status": "handled", "note": "Fiche en préparation",
     "recommended": "/ressources/une-fiche/",
     "searches": {"total": 6, "without_result": 4, "without_click": 1, "days": 20}}

``query`` is grouped like a search (search.gaps.query_key). ``recommended`` is the URL of
an entry already in the search index (content imported by an earlier file, or indexed).
``searches`` creates that many anonymous searches spread over the last ``days`` days, only
when the query has none yet (so re-importing changes nothing); it is never exported.
The export lists the queries with a decision (handled, a note or a recommended result).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from comcep.core.exchange import ImportContext, Section, require_str

from . import gaps
from .enums import GapStatus, SearchSource
from .models import SearchEntry, SearchGap, SearchQueryLog
from .query import parse

SEARCH_KEYS = ("total", "without_result", "without_click", "days")


class SearchGapSection(Section):
    key = "search_gaps"
    order = 95

    def validate(self, items: list, ctx: ImportContext) -> None:
        seen: set[str] = set()
        urls = {item.get("recommended") for item in items if isinstance(item.get("recommended"), str)}
        known_urls = set(SearchEntry.objects.filter(url__in=urls).values_list("url", flat=True))
        for i, item in enumerate(items):
            path = f"search_gaps[{i}]"
            if not isinstance(item, dict):
                ctx.error(path, "must be an object")
                continue
            query = require_str(item, "query", path, ctx, max_length=200)
            if query is not None:
                key = gaps.query_key(parse(query))
                if not key:
                    ctx.error(f"{path}.query", "no searchable word (only stop words?)")
                elif key in seen:
                    ctx.error(f"{path}.query", f'same normalised query as an earlier item ("{key}")')
                seen.add(key)
            status = item.get("status", GapStatus.OPEN)
            if status not in GapStatus.values:
                ctx.error(f"{path}.status", f'must be one of {", ".join(GapStatus.values)}')
            require_str(item, "note", path, ctx, max_length=2000, required=False)
            url = require_str(item, "recommended", path, ctx, max_length=500, required=False)
            if url is not None and url not in known_urls:
                ctx.error(f"{path}.recommended", f'no search entry with URL "{url}" (import or index it first)')
            searches = item.get("searches")
            if searches is not None:
                if not isinstance(searches, dict) or set(searches) - set(SEARCH_KEYS) or not all(
                        isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 1000 for v in searches.values()):
                    ctx.error(f"{path}.searches", f"must be an object of integers 0-1000 ({', '.join(SEARCH_KEYS)})")
                elif searches.get("without_result", 0) + searches.get("without_click", 0) > searches.get("total", 0):
                    ctx.error(f"{path}.searches", "without_result + without_click cannot exceed total")

    def apply(self, items: list, ctx: ImportContext) -> None:
        entries = {e.url: e for e in SearchEntry.objects.filter(
            url__in=[item["recommended"] for item in items if item.get("recommended")])}
        now = timezone.now()
        for item in items:
            parsed = parse(item["query"])
            gap, created = SearchGap.objects.get_or_create(key=gaps.query_key(parsed),
                                                           defaults={"label": parsed.normalised})
            values = {"status": item.get("status", GapStatus.OPEN), "note": item.get("note") or "",
                      "recommended_entry": entries.get(item.get("recommended"))}
            changed = [k for k, v in values.items() if getattr(gap, k) != v]
            for k in changed:
                setattr(gap, k, values[k])
            if changed:
                if gap.status == GapStatus.HANDLED and gap.handled_at is None:
                    gap.handled_at = now
                elif gap.status == GapStatus.OPEN:
                    gap.handled_at = gap.handled_by = None
                gap.save()
            ctx.count(self.key, "created" if created else "updated" if changed else "unchanged")
            searches = item.get("searches")
            if searches and not SearchQueryLog.objects.filter(gap=gap).exists():
                SearchQueryLog.objects.bulk_create(_demo_searches(gap, parsed.normalised, searches, now))

    def export(self) -> list:
        decided = (SearchGap.objects.exclude(status=GapStatus.OPEN, note="", recommended_entry__isnull=True)
                   .select_related("recommended_entry").order_by("label"))
        return [
            {"query": gap.label, "status": gap.status,
             **({"note": gap.note} if gap.note else {}),
             **({"recommended": gap.recommended_entry.url} if gap.recommended_entry else {})}
            for gap in decided
        ]


def _demo_searches(gap, query: str, searches: dict, now) -> list[SearchQueryLog]:
    total, days = searches.get("total", 0), max(searches.get("days", 30), 1)
    zero, no_click = searches.get("without_result", 0), searches.get("without_click", 0)
    rows = []
    for n in range(total):
        results = 0 if n < zero else 3
        clicks = 0 if n < zero + no_click else 1
        rows.append(SearchQueryLog(query=query, gap=gap, result_count=results, clicks=clicks,
                                   source=SearchSource.HTML, created_at=now - timedelta(days=days * n / max(total, 1),
                                                                                         hours=n % 9)))
    return rows
