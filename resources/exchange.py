"""``resources`` in the content exchange format (comcep-content/1).

Keys are slugs; an item creates or updates a published ResourcePage under the library.
The body is Markdown, rendered and sanitized by ``comcep.core.markdown`` into one rich
text block; the Markdown is kept on the page so that an export gives it back unchanged.
Importing the same file twice changes nothing (no new revision).
"""

from __future__ import annotations

import datetime as dt
import html
import re

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from comcep.core import routecache
from comcep.core.exchange import ImportContext, Section, check_slugs, require_str, unknown
from comcep.core.htmltomd import blockquote_markdown, html_to_markdown, text_html
from comcep.core.markdown import render_markdown
from comcep.taxonomy.models import Audience, Operator, Region, ServiceLevel, Theme

from .enums import ResourceKind, Visibility
from .models import ResourceIndexPage, ResourcePage

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAXONOMIES = [
    ("themes", "theme", Theme),
    ("audiences", "audience", Audience),
    ("service_levels", "service level", ServiceLevel),
    ("operators", "operator", Operator),
]
BODY_MAX_LENGTH = 100_000


def body_to_markdown(body) -> str:
    """Markdown of a body edited in the admin: its rich text through the exchange's converter
    (``comcep.core.htmltomd``), the structured blocks as the HTML that reads as them through the same
    converter, so that their plain-text values (headings, titles, quotations, labels) are escaped and
    read back as the same text (docs/content-format.md)."""
    parts: list[str] = []
    for block in body:
        value = block.value
        if block.block_type == "rich_text":
            parts.append(html_to_markdown(value.source))
        elif block.block_type == "heading":
            parts.append(html_to_markdown(f"<h2>{text_html(value)}</h2>"))
        elif block.block_type == "callout":
            title = f"<p><b>{text_html(value['title'])}</b></p>" if value["title"] else ""
            parts.append(html_to_markdown(f"<blockquote>{title}{value['text'].source}</blockquote>"))
        elif block.block_type == "steps":
            title = f"<h3>{text_html(value['title'])}</h3>" if value["title"] else ""
            steps = "".join(f"<li><b>{text_html(step['title'])}</b>{_step_detail(step['text'])}</li>"
                            for step in value["steps"])
            parts.append(html_to_markdown(f"{title}<ol>{steps}</ol>"))
        elif block.block_type == "quote":
            parts.append(blockquote_markdown(value["text"], value["source"]))
        elif block.block_type == "video":
            url = value["video"].url if value["video"] else ""
            parts.append(html_to_markdown(_link_html(url, value["title"])))
        elif block.block_type == "document":
            document = value["document"]
            if document is not None:
                parts.append(html_to_markdown(_link_html(document.url, value["label"] or document.title)))
        elif block.block_type == "link":
            description = f" — {text_html(value['description'])}" if value["description"] else ""
            parts.append(html_to_markdown(_link_html(value["url"], value["title"], description)))
    return "\n\n".join(p for p in parts if p)


_ONE_PARAGRAPH_RE = re.compile(r"\s*<p\b[^>]*>((?:(?!</?p\b).)*)</p>\s*", re.S)


def _step_detail(text) -> str:
    """A step's detail after its title: "**Title** : detail" on the item's line when it is one paragraph,
    else its blocks under the item."""
    source = text.source if text else ""
    if not source.strip():
        return ""
    one = _ONE_PARAGRAPH_RE.fullmatch(source)
    return f" : {one.group(1)}" if one else f" :{source}"


def _link_html(url: str, label: str, after: str = "") -> str:
    label = text_html(label)
    return f'<p><a href="{html.escape(url)}">{label}</a>{after}</p>' if url else f"<p>{label}{after}</p>"


def _parse_published_at(value):
    """"2024-05-01" (9:00, Paris time) or an ISO 8601 date-time -> aware datetime; None if invalid."""
    if not isinstance(value, str):
        return None
    try:
        day = parse_date(value) if len(value) == 10 else None
        parsed = dt.datetime.combine(day, dt.time(9, 0)) if day else parse_datetime(value)
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


class ResourceSection(Section):
    key = "resources"
    order = 30

    def validate(self, items: list, ctx: ImportContext) -> None:
        known = {key: set(model.objects.values_list("slug", flat=True)) for key, _label, model in TAXONOMIES}
        known["themes"] |= ctx.known.get("themes", set())
        regions = set(Region.objects.values_list("slug", flat=True))
        member_emails = {e.lower() for e in ctx.known.get("members", set())}
        referenced = {item.get("author").lower() for item in items
                      if isinstance(item.get("author"), str) and item.get("author")}
        existing_emails = {
            e.lower() for e in get_user_model().objects.filter(email__in=referenced - member_emails)
            .values_list("email", flat=True)
        }
        if ResourceIndexPage.objects.first() is None:
            ctx.error(self.key, "the resource library page (/ressources/) does not exist: run migrate first")
        seen: set[str] = set()
        for i, item in enumerate(items):
            path = f"resources[{i}]"
            slug = require_str(item, "slug", path, ctx, max_length=80)
            if slug is not None:
                if not SLUG_RE.match(slug):
                    ctx.error(f"{path}.slug", f'invalid slug "{slug}" (lowercase letters, digits and hyphens)')
                elif slug in seen:
                    ctx.error(f"{path}.slug", f'duplicate slug "{slug}"')
                seen.add(slug)
            require_str(item, "title", path, ctx, max_length=255)
            require_str(item, "summary", path, ctx, max_length=600, required=False)
            body = item.get("body", "")
            if body is not None and not isinstance(body, str):
                ctx.error(f"{path}.body", f"must be a string (Markdown), got {type(body).__name__}")
            elif body and len(body) > BODY_MAX_LENGTH:
                ctx.error(f"{path}.body", f"too long ({len(body)} characters, at most {BODY_MAX_LENGTH})")
            kind = item.get("kind")
            if kind not in ResourceKind.values:
                ctx.error(f"{path}.kind", unknown("kind", kind, set(ResourceKind.values)))
            for key, label, _model in TAXONOMIES:
                check_slugs(item, key, path, ctx, known[key], label)
            region = item.get("region")
            if region is not None and region not in regions:
                ctx.error(f"{path}.region", unknown("region", region, regions))
            visibility = item.get("visibility", Visibility.PUBLIC)
            if visibility not in Visibility.values:
                ctx.error(f"{path}.visibility", unknown("visibility", visibility, set(Visibility.values)))
            if item.get("published_at") is not None and _parse_published_at(item["published_at"]) is None:
                ctx.error(f"{path}.published_at",
                          f'invalid date {item["published_at"]!r} (expected "YYYY-MM-DD" or an ISO 8601 date-time)')
            reviewed = item.get("last_reviewed_on")
            if reviewed is not None and (not isinstance(reviewed, str) or _safe_date(reviewed) is None):
                ctx.error(f"{path}.last_reviewed_on", f'invalid date {reviewed!r} (expected "YYYY-MM-DD")')
            author = item.get("author")
            if author is not None and (
                not isinstance(author, str) or author.lower() not in (member_emails | existing_emails)
            ):
                ctx.error(f"{path}.author", f"no member with e-mail {author!r}")
            for key in ("author_name", "organisation"):
                require_str(item, key, path, ctx, max_length=200, required=False)
        ctx.known["resources"] |= seen

    # --- apply ------------------------------------------------------------------------------------

    def apply(self, items: list, ctx: ImportContext) -> None:
        index = ResourceIndexPage.objects.first()
        terms = {key: {t.slug: t for t in model.objects.all()} for key, _label, model in TAXONOMIES}
        regions = {r.slug: r for r in Region.objects.all()}
        emails = {item["author"].lower() for item in items if item.get("author")}
        users = {u.email.lower(): u for u in get_user_model().objects.filter(email__in=emails)}
        existing = {
            p.slug: p for p in ResourcePage.objects.child_of(index).prefetch_related(
                "themes", "audiences", "service_levels", "operators")
        }
        for item in items:
            desired = self._desired(item, terms, regions, users)
            page = existing.get(item["slug"])
            if page is None:
                page = ResourcePage(slug=item["slug"])
                self._assign(page, desired)
                index.add_child(instance=page)
                self._publish(page, desired["published_at"])
                ctx.count(self.key, "created")
            elif self._differs(page, desired):
                self._assign(page, desired)
                page.save()
                self._publish(page, desired["published_at"])
                ctx.count(self.key, "updated")
            elif not page.live:
                self._publish(page, desired["published_at"])
                ctx.count(self.key, "updated")
            else:
                ctx.count(self.key, "unchanged")

    def _desired(self, item, terms, regions, users) -> dict:
        body_md = item.get("body") or ""
        author = users.get(item["author"].lower()) if item.get("author") else None
        return {
            "title": item["title"],
            "kind": item["kind"],
            "summary": item.get("summary") or "",
            "body_markdown": body_md,
            "body_html": render_markdown(body_md, headings=True),
            "visibility": item.get("visibility") or Visibility.PUBLIC,
            "region": regions.get(item.get("region")) if item.get("region") else None,
            "author": author,
            "author_name": item.get("author_name") or "",
            "organisation": item.get("organisation") or "",
            "last_reviewed_on": _safe_date(item.get("last_reviewed_on")),
            "published_at": _parse_published_at(item["published_at"]) if item.get("published_at") else None,
            **{key: sorted({terms[key][s].pk for s in item.get(key) or []}) for key, _label, _m in TAXONOMIES},
            "terms": {key: [terms[key][s] for s in dict.fromkeys(item.get(key) or [])]
                      for key, _label, _m in TAXONOMIES},
        }

    @staticmethod
    def _current_body_html(page) -> str | None:
        blocks = list(page.body.raw_data)
        if len(blocks) == 1 and blocks[0]["type"] == "rich_text":
            return blocks[0]["value"]
        if not blocks:
            return ""
        return None

    def _differs(self, page, desired) -> bool:
        simple = ("title", "kind", "summary", "body_markdown", "visibility", "author_name", "organisation",
                  "last_reviewed_on")
        if any(getattr(page, f) != desired[f] for f in simple):
            return True
        if page.region_id != (desired["region"].pk if desired["region"] else None):
            return True
        if page.author_id != (desired["author"].pk if desired["author"] else None):
            return True
        if self._current_body_html(page) != desired["body_html"]:
            return True
        for key, _label, _model in TAXONOMIES:
            if sorted(t.pk for t in getattr(page, key).all()) != desired[key]:
                return True
        if desired["published_at"] and page.first_published_at != desired["published_at"]:
            return True
        return bool(page.has_unpublished_changes)

    @staticmethod
    def _assign(page, desired) -> None:
        for f in ("title", "kind", "summary", "body_markdown", "visibility", "author_name", "organisation",
                  "last_reviewed_on", "region", "author"):
            setattr(page, f, desired[f])
        page.body = [("rich_text", desired["body_html"])] if desired["body_html"] else []
        for key, _label, _model in TAXONOMIES:
            getattr(page, key).set(desired["terms"][key])

    @staticmethod
    def _publish(page, published_at) -> None:
        revision = page.save_revision(log_action=False)
        revision.publish(log_action=False)
        if published_at is not None:
            ResourcePage.objects.filter(pk=page.pk).update(first_published_at=published_at,
                                                           last_published_at=published_at)
            routecache.invalidate()  # the page's row, kept per process by the routing, changed without a signal
            page.first_published_at = page.last_published_at = published_at

    # --- export -----------------------------------------------------------------------------------

    def export(self) -> list:
        pages = (
            ResourcePage.objects.order_by("path")
            .select_related("region", "author")
            .prefetch_related(*[Prefetch(key, queryset=model.objects.order_by("slug"))
                                for key, _label, model in TAXONOMIES])
        )
        items = []
        for page in pages:
            if not page.live:
                continue  # drafts and proposals stay in the admin
            html = self._current_body_html(page)
            if html is not None and html == render_markdown(page.body_markdown, headings=True):
                body = page.body_markdown
            else:
                body = body_to_markdown(page.body)
            item = {
                "slug": page.slug,
                "title": page.title,
                "kind": page.kind,
                "summary": page.summary,
                "body": body,
                **{key: [t.slug for t in getattr(page, key).all()] for key, _label, _model in TAXONOMIES},
                "region": page.region.slug if page.region else None,
                "visibility": page.visibility,
                "published_at": page.first_published_at.isoformat() if page.first_published_at else None,
                "author": page.author.email if page.author and not page.author.deleted_at else None,
            }
            for key in ("author_name", "organisation"):
                if getattr(page, key):
                    item[key] = getattr(page, key)
            if page.last_reviewed_on:
                item["last_reviewed_on"] = page.last_reviewed_on.isoformat()
            items.append(item)
        return items


def _safe_date(value):
    if not value:
        return None
    try:
        return parse_date(value)
    except (ValueError, TypeError):
        return None
