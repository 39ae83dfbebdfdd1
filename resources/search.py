"""The library's indexer for the unified search (search/registry.py contract)."""

from __future__ import annotations

from comcep.core.markdown import html_to_text
from search.registry import EntryData, Indexer

from .enums import Visibility
from .models import ResourcePage


def _body_text(page: ResourcePage) -> str:
    parts = []
    for block in page.body:
        value = block.value
        if block.block_type == "rich_text":
            parts.append(html_to_text(value.source))
        elif block.block_type == "heading":
            parts.append(str(value))
        elif block.block_type == "callout":
            parts += [value["title"], html_to_text(value["text"].source)]
        elif block.block_type == "steps":
            parts += [value["title"] or ""] + [s["title"] for s in value["steps"]]
        elif block.block_type == "quote":
            parts.append(value["text"])
        elif block.block_type in ("video", "link"):
            parts.append(value["title"])
    return " ".join(p for p in parts if p)


class ResourceIndexer(Indexer):
    model = ResourcePage

    def entry(self, obj: ResourcePage) -> EntryData | None:
        if not obj.live:
            return None
        return EntryData(
            kind="resource",
            subkind=obj.kind,
            title=obj.title,
            url=obj.url or "",
            access="public" if obj.visibility == Visibility.PUBLIC else "members",
            summary=obj.summary,
            body=_body_text(obj),
            themes=[t.slug for t in obj.themes.all()],
            audiences=[a.slug for a in obj.audiences.all()],
            service_levels=[s.slug for s in obj.service_levels.all()],
            region=obj.region.slug if obj.region else "",
            published_at=obj.first_published_at,
            updated_at=obj.last_published_at,
            useful_count=obj.useful_count,
        )

    def all_objects(self):
        return (ResourcePage.objects.live().select_related("region", "stats")
                .prefetch_related("themes", "audiences", "service_levels").order_by("pk").iterator(chunk_size=200))
