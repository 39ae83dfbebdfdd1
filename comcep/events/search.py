"""Events and news in the unified search (search/registry.py contract)."""

from __future__ import annotations

import logging

from comcep.core.markdown import html_to_text
from search.registry import EntryData, Indexer

from .enums import Visibility
from .models import EventPage

logger = logging.getLogger(__name__)


class EventIndexer(Indexer):
    model = EventPage

    def entry(self, obj: EventPage) -> EntryData | None:
        if not obj.live:
            return None
        when = obj.starts_at
        return EntryData(
            kind="event",
            subkind=obj.kind,
            title=obj.title,
            url=obj.url or "",
            access="public" if obj.visibility == Visibility.PUBLIC else "members",
            summary=f"{obj.get_kind_display()} – {obj.region.name if obj.region else 'National'}",
            body=html_to_text(str(obj.description or "")) + (f"\n{obj.place}" if obj.place else ""),
            themes=[t.slug for t in obj.themes.all()],
            audiences=[a.slug for a in obj.audiences.all()],
            region=obj.region.slug if obj.region else "",
            published_at=when,
            updated_at=obj.last_published_at,
        )

    def all_objects(self):
        return (
            EventPage.objects.live().select_related("region").prefetch_related("themes", "audiences")
            .order_by("pk").iterator(chunk_size=500)
        )
