"""News in the unified search (search/registry.py contract)."""

from __future__ import annotations

from comcep.core.markdown import html_to_text
from search.registry import EntryData, Indexer

from .enums import Visibility
from .models import NewsPage


def body_text(page: NewsPage) -> str:
    parts = []
    for block in page.body:
        if block.block_type == "paragraph":
            parts.append(html_to_text(block.value.source))
        elif block.block_type == "quote":
            parts.append(block.value["quote"])
        else:
            parts.append(str(block.value))
    return "\n".join(parts)


class NewsIndexer(Indexer):
    model = NewsPage

    def entry(self, obj: NewsPage) -> EntryData | None:
        if not obj.live:
            return None
        return EntryData(
            kind="news",
            title=obj.title,
            url=obj.url or "",
            access="public" if obj.visibility == Visibility.PUBLIC else "members",
            summary=obj.intro,
            body=body_text(obj),
            themes=[t.slug for t in obj.themes.all()],
            published_at=obj.first_published_at,
            updated_at=obj.last_published_at,
        )

    def all_objects(self):
        return NewsPage.objects.live().prefetch_related("themes").order_by("pk").iterator(chunk_size=500)
