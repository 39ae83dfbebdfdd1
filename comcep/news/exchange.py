"""``news`` in the content exchange format (see docs/agenda.md). Keys are page slugs
under /actualites/; ``body`` is Markdown (rendered with headings)."""

from __future__ import annotations

import datetime as dt

from comcep.core.exchange import (
    ImportContext,
    Section,
    check_choice,
    check_fields,
    check_page_slug,
    check_slugs,
    require_str,
    section_index,
)
from comcep.core.htmltomd import blockquote_markdown, html_to_markdown, text_html
from comcep.core.markdown import render_markdown
from comcep.taxonomy.models import Theme

from .enums import Visibility
from .models import NewsIndexPage, NewsPage

FIELDS = ("slug", "title", "date", "intro", "body", "themes", "visibility")


def body_stream(source: str) -> list:
    html = render_markdown(source, headings=True)
    return [("paragraph", html)] if html else []


def stream_raw(page: NewsPage) -> list:
    return [(block.block_type, block.value.source if hasattr(block.value, "source") else block.value)
            for block in page.body]


def body_markdown(page: NewsPage) -> str:
    if page.body_source and stream_raw(page) == body_stream(page.body_source):
        return page.body_source
    parts = []
    for block in page.body:
        if block.block_type == "heading":
            parts.append(html_to_markdown(f"<h2>{text_html(block.value)}</h2>"))
        elif block.block_type == "paragraph":
            parts.append(html_to_markdown(block.value.source))
        elif block.block_type == "quote":
            parts.append(blockquote_markdown(block.value["quote"], block.value.get("attribution") or ""))
    return "\n\n".join(p for p in parts if p)


class NewsSection(Section):
    key = "news"
    order = 71

    def validate(self, items: list, ctx: ImportContext) -> None:
        themes = set(ctx.known.get("themes", set())) | set(Theme.objects.values_list("slug", flat=True))
        seen: set[str] = set()
        for i, item in enumerate(items):
            path = f"news[{i}]"
            check_fields(item, FIELDS, path, ctx)
            check_page_slug(item, path, ctx, seen)
            require_str(item, "title", path, ctx, max_length=255)
            require_str(item, "intro", path, ctx, max_length=600)
            date = require_str(item, "date", path, ctx)
            if date is not None:
                try:
                    dt.date.fromisoformat(date)
                except ValueError:
                    ctx.error(f"{path}.date", f'not a date "YYYY-MM-DD": "{date}"')
            require_str(item, "body", path, ctx, required=False)
            check_slugs(item, "themes", path, ctx, themes, "theme")
            check_choice(item, "visibility", path, ctx, Visibility, default=Visibility.PUBLIC)
        ctx.known["news"] |= seen

    def apply(self, items: list, ctx: ImportContext) -> None:
        index = section_index(NewsIndexPage, "actualites")
        themes_by_slug = {t.slug: t for t in Theme.objects.all()}
        existing = {p.slug: p for p in NewsPage.objects.child_of(index).prefetch_related("themes")}
        for item in items:
            source = item.get("body") or ""
            values = {
                "title": item["title"],
                "date": dt.date.fromisoformat(item["date"]),
                "intro": item["intro"],
                "body_source": source,
                "visibility": item.get("visibility") or Visibility.PUBLIC,
            }
            themes = [themes_by_slug[s] for s in item.get("themes") or []]
            stream = body_stream(source)
            page = existing.get(item["slug"])
            if page is None:
                page = NewsPage(slug=item["slug"], body=stream, **values)
                page.themes = themes
                index.add_child(instance=page)
                page.save_revision(log_action=False).publish(log_action=False)
                ctx.count(self.key, "created")
                continue
            changed = any(getattr(page, k) != v for k, v in values.items())
            changed |= stream_raw(page) != stream
            changed |= {t.pk for t in page.themes.all()} != {t.pk for t in themes}
            if not changed:
                ctx.count(self.key, "unchanged")
                continue
            for k, v in values.items():
                setattr(page, k, v)
            page.body = stream
            page.themes = themes
            page.save_revision(log_action=False).publish(log_action=False)
            ctx.count(self.key, "updated")

    def export(self) -> list:
        pages = NewsPage.objects.all().prefetch_related("themes").order_by("date", "pk")
        return [
            {
                "slug": p.slug,
                "title": p.title,
                "date": p.date.isoformat(),
                "intro": p.intro,
                "body": body_markdown(p),
                "themes": [t.slug for t in sorted(p.themes.all(), key=lambda t: t.slug)],
                "visibility": p.visibility,
            }
            for p in pages
        ]
