"""``events`` in the content exchange format (see docs/agenda.md).

Keys are page slugs under /agenda/; dates are ISO 8601 with a UTC offset and are
exported in Europe/Paris; the description is Markdown (rendered with headings)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from comcep.core.exchange import (
    ImportContext,
    Section,
    check_choice,
    check_fields,
    check_page_slug,
    check_slugs,
    require_str,
    section_index,
    unknown,
)
from comcep.core.htmltomd import html_to_markdown
from comcep.core.markdown import render_markdown
from comcep.taxonomy.models import Audience, Region, Theme

from .enums import EventKind, Visibility
from .models import EventIndexPage, EventPage

FIELDS = ("slug", "title", "kind", "starts_at", "ends_at", "place", "video_url", "region", "themes", "audiences",
          "capacity", "visibility", "organiser", "description", "replay_url", "cancelled")


def parse_datetime(item: dict, key: str, path: str, ctx: ImportContext) -> dt.datetime | None:
    value = item.get(key)
    if value in (None, ""):
        ctx.error(f"{path}.{key}", "missing (required)")
        return None
    if not isinstance(value, str):
        ctx.error(f"{path}.{key}", f"must be a string, got {type(value).__name__}")
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        ctx.error(f"{path}.{key}", f'not an ISO 8601 date and time: "{value}" (e.g. "2026-03-29T09:30:00+02:00")')
        return None
    if parsed.tzinfo is None:
        ctx.error(f"{path}.{key}", f'"{value}" has no UTC offset (write e.g. "{value}+02:00" for Paris summer time)')
        return None
    return parsed


def check_url(item: dict, key: str, path: str, ctx: ImportContext) -> None:
    value = require_str(item, key, path, ctx, max_length=500, required=False)
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            ctx.error(f"{path}.{key}", f"not an http(s) URL: {json.dumps(value, ensure_ascii=False)}")


def known_members(ctx: ImportContext) -> set:
    from django.contrib.auth import get_user_model

    return {e.lower() for e in ctx.known.get("members", set())} | {
        e.lower() for e in get_user_model().objects.values_list("email", flat=True)
    }


def local_iso(value: dt.datetime) -> str:
    return value.astimezone(ZoneInfo(settings.TIME_ZONE)).isoformat()


class EventSection(Section):
    key = "events"
    order = 70

    def validate(self, items: list, ctx: ImportContext) -> None:
        themes = set(ctx.known.get("themes", set())) | set(Theme.objects.values_list("slug", flat=True))
        audiences = set(Audience.objects.values_list("slug", flat=True))
        regions = set(Region.objects.values_list("slug", flat=True))
        members = None
        seen: set[str] = set()
        for i, item in enumerate(items):
            path = f"events[{i}]"
            check_fields(item, FIELDS, path, ctx)
            check_page_slug(item, path, ctx, seen)
            require_str(item, "title", path, ctx, max_length=255)
            check_choice(item, "kind", path, ctx, EventKind)
            check_choice(item, "visibility", path, ctx, Visibility, default=Visibility.PUBLIC)
            starts = parse_datetime(item, "starts_at", path, ctx)
            ends = parse_datetime(item, "ends_at", path, ctx)
            if starts and ends and ends <= starts:
                ctx.error(f"{path}.ends_at", "must be after starts_at")
            place = require_str(item, "place", path, ctx, required=False, max_length=2000)
            check_url(item, "video_url", path, ctx)
            check_url(item, "replay_url", path, ctx)
            if not place and not item.get("video_url"):
                ctx.error(f"{path}.place", "give a place, a video_url or both")
            region = item.get("region")
            if region is not None and region not in regions:
                ctx.error(f"{path}.region", unknown("region", region, regions))
            check_slugs(item, "themes", path, ctx, themes, "theme")
            check_slugs(item, "audiences", path, ctx, audiences, "audience")
            capacity = item.get("capacity")
            if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1):
                ctx.error(f"{path}.capacity", "must be a whole number of at least 1, or null (unlimited)")
            organiser = item.get("organiser")
            if organiser is not None:
                if members is None:
                    members = known_members(ctx)
                if not isinstance(organiser, str) or organiser.lower() not in members:
                    ctx.error(f"{path}.organiser", f"no member with e-mail {json.dumps(organiser, ensure_ascii=False)}")
            if item.get("description") is not None and not isinstance(item.get("description"), str):
                ctx.error(f"{path}.description", "must be a string (Markdown)")
            if "cancelled" in item and not isinstance(item["cancelled"], bool):
                ctx.error(f"{path}.cancelled", "must be true or false")
        ctx.known["events"] |= seen

    # --- apply ---------------------------------------------------------------------------

    def values_from(self, item: dict, lookups: dict) -> dict:
        source = item.get("description") or ""
        organiser = item.get("organiser")
        return {
            "title": item["title"],
            "kind": item["kind"],
            "starts_at": dt.datetime.fromisoformat(item["starts_at"]).astimezone(dt.UTC),
            "ends_at": dt.datetime.fromisoformat(item["ends_at"]).astimezone(dt.UTC),
            "place": item.get("place") or "",
            "video_url": item.get("video_url") or "",
            "region": lookups["regions"].get(item.get("region")),
            "capacity": item.get("capacity"),
            "visibility": item.get("visibility") or Visibility.PUBLIC,
            "organiser": lookups["users"].get(organiser.lower()) if organiser else None,
            "description": render_markdown(source, headings=True),
            "description_source": source,
            "replay_url": item.get("replay_url") or "",
            "is_cancelled": bool(item.get("cancelled", False)),
        }

    def apply(self, items: list, ctx: ImportContext) -> None:
        from django.contrib.auth import get_user_model

        index = section_index(EventIndexPage, "agenda")
        emails = {i["organiser"].lower() for i in items if i.get("organiser")}
        lookups = {
            "regions": {r.slug: r for r in Region.objects.all()},
            "themes": {t.slug: t for t in Theme.objects.all()},
            "audiences": {a.slug: a for a in Audience.objects.all()},
            "users": {u.email.lower(): u for u in get_user_model().objects.filter(email__in=emails)},
        }
        existing = {p.slug: p for p in EventPage.objects.child_of(index).prefetch_related("themes", "audiences")}
        for item in items:
            values = self.values_from(item, lookups)
            themes = [lookups["themes"][s] for s in item.get("themes") or []]
            audiences = [lookups["audiences"][s] for s in item.get("audiences") or []]
            page = existing.get(item["slug"])
            if page is None:
                page = EventPage(slug=item["slug"], **values)
                page.themes = themes
                page.audiences = audiences
                index.add_child(instance=page)
                page.save_revision(log_action=False).publish(log_action=False)
                ctx.count(self.key, "created")
                continue
            changed = any(_differs(getattr(page, k), v) for k, v in values.items())
            changed |= {t.pk for t in page.themes.all()} != {t.pk for t in themes}
            changed |= {a.pk for a in page.audiences.all()} != {a.pk for a in audiences}
            if not changed:
                ctx.count(self.key, "unchanged")
                continue
            for k, v in values.items():
                setattr(page, k, v)
            page.themes = themes
            page.audiences = audiences
            page.save_revision(log_action=False).publish(log_action=False)
            ctx.count(self.key, "updated")

    # --- export --------------------------------------------------------------------------

    def export(self) -> list:
        pages = (
            EventPage.objects.all()
            .select_related("region", "organiser")
            .prefetch_related("themes", "audiences")
            .order_by("starts_at", "pk")
        )
        return [export_event(p) for p in pages]


def _differs(current, new) -> bool:
    if hasattr(current, "pk") or hasattr(new, "pk"):
        return getattr(current, "pk", None) != getattr(new, "pk", None)
    return current != new


def export_event(page: EventPage) -> dict:
    if page.description_source and render_markdown(page.description_source, headings=True) == page.description:
        description = page.description_source
    else:
        description = html_to_markdown(page.description)
    data = {
        "slug": page.slug,
        "title": page.title,
        "kind": page.kind,
        "starts_at": local_iso(page.starts_at),
        "ends_at": local_iso(page.ends_at),
        "place": page.place,
        "video_url": page.video_url,
        "region": page.region.slug if page.region else None,
        "themes": [t.slug for t in sorted(page.themes.all(), key=lambda t: t.slug)],
        "audiences": [a.slug for a in sorted(page.audiences.all(), key=lambda a: a.slug)],
        "capacity": page.capacity,
        "visibility": page.visibility,
        "organiser": page.organiser.email if page.organiser else None,
        "description": description,
    }
    if page.replay_url:
        data["replay_url"] = page.replay_url
    if page.is_cancelled:
        data["cancelled"] = True
    return data
