"""``spaces`` and ``threads`` in the content exchange format (comcep-content/1).

spaces:  {"slug", "title", "description"?, "visibility"?: "members" | "groups",
          "groups"?: [group names], "themes"?: [theme slugs], "archived"?: bool}
threads: {"space", "title", "author" (e-mail), "created_at" (ISO 8601 with offset),
          "pinned"?: bool, "locked"?: bool,
          "posts": [{"author", "body" (Markdown), "created_at"}, ...]}   posts[0] is the question.

Keys (re-importing a file creates nothing new):
- a space is identified by its slug (its fields are updated);
- a thread by a stable hash of (title, author e-mail, created_at in UTC) stored in
  ``Thread.import_key`` (threads created on the site get theirs too); the space is left out
  on purpose so that a thread a moderator moved is not imported again;
- a post by (author, created_at) inside its thread: a changed body is updated, a missing
  post is added, nothing is ever deleted.
Imported content comes from a trusted source: no rate limit, no approval queue, no
notifications. Counters of every touched thread and space are recomputed from the rows, and
after commit the unified search reindexes every touched thread (and every thread of a space
whose visibility or groups changed, since its search access changes with them).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import slugify

from comcep.core.exchange import ImportContext, Section, check_slugs, require_str, unknown
from comcep.core.markdown import render_markdown
from comcep.taxonomy.models import Theme

from .enums import RESERVED_SPACE_SLUGS, SpaceVisibility
from .models import Post, Space, Thread, thread_key
from .services import _reindex, max_post_length, recount_space, recount_thread


def _reindex_after_commit(thread_ids) -> None:
    ids = sorted(set(thread_ids))
    if ids:
        transaction.on_commit(lambda: [_reindex(pk) for pk in ids])


def parse_datetime(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _iso(value: datetime) -> str:
    return timezone.localtime(value).isoformat()


def _known_members(ctx: ImportContext) -> set[str]:
    if "forums:members" not in ctx.objects:
        db = {e.lower() for e in get_user_model().objects.values_list("email", flat=True)}
        ctx.objects["forums:members"] = {"emails": db | {str(e).lower() for e in ctx.known.get("members", set())}}
    return ctx.objects["forums:members"]["emails"]


def _check_bool(item: dict, key: str, path: str, ctx: ImportContext) -> None:
    if key in item and not isinstance(item[key], bool):
        ctx.error(f"{path}.{key}", f"must be true or false, got {type(item[key]).__name__}")


class SpaceSection(Section):
    key = "spaces"
    order = 60

    def validate(self, items: list, ctx: ImportContext) -> None:
        themes = set(Theme.objects.values_list("slug", flat=True)) | set(ctx.known.get("themes", set()))
        # Auth groups of the database, or created by an earlier section of the file (regional groups).
        groups = set(Group.objects.values_list("name", flat=True)) | set(ctx.known.get("auth_groups", set()))
        seen: set[str] = set()
        for i, item in enumerate(items):
            path = f"spaces[{i}]"
            slug = require_str(item, "slug", path, ctx, max_length=80)
            require_str(item, "title", path, ctx, max_length=120)
            require_str(item, "description", path, ctx, required=False)
            if slug is not None:
                if slug != slugify(slug):
                    ctx.error(f"{path}.slug", f'"{slug}" is not a valid slug (lowercase letters, digits, hyphens)')
                elif slug in RESERVED_SPACE_SLUGS:
                    ctx.error(f"{path}.slug", f'"{slug}" is reserved by the forum URLs')
                elif slug in seen:
                    ctx.error(f"{path}.slug", f'duplicate slug "{slug}"')
                seen.add(slug)
            visibility = item.get("visibility", SpaceVisibility.MEMBERS)
            if visibility not in SpaceVisibility.values:
                ctx.error(f"{path}.visibility", unknown("visibility", visibility, set(SpaceVisibility.values)))
            check_slugs(item, "themes", path, ctx, themes, "theme")
            names = item.get("groups", [])
            if not isinstance(names, list):
                ctx.error(f"{path}.groups", "must be a list")
            else:
                for j, name in enumerate(names):
                    if name not in groups:
                        ctx.error(f"{path}.groups[{j}]", unknown("group", name, groups))
                if visibility == SpaceVisibility.GROUPS and not names:
                    ctx.error(f"{path}.groups", 'a space with visibility "groups" needs at least one group')
            _check_bool(item, "archived", path, ctx)
        ctx.known["spaces"] |= seen | set(Space.objects.values_list("slug", flat=True))

    def apply(self, items: list, ctx: ImportContext) -> None:
        existing = {s.slug: s for s in Space.objects.prefetch_related("themes", "groups")}
        themes = {t.slug: t for t in Theme.objects.all()}
        groups = {g.name: g for g in Group.objects.all()}
        for order, item in enumerate(items):
            values = {
                "title": item["title"],
                "description": item.get("description") or "",
                "visibility": item.get("visibility", SpaceVisibility.MEMBERS),
                "is_archived": bool(item.get("archived", False)),
                "sort_order": order,
            }
            wanted_themes = {themes[s].pk for s in item.get("themes") or []}
            wanted_groups = {groups[n].pk for n in item.get("groups") or []}
            space = existing.get(item["slug"])
            if space is None:
                space = Space.objects.create(slug=item["slug"], **values)
                space.themes.set(wanted_themes)
                space.groups.set(wanted_groups)
                ctx.count(self.key, "created")
            else:
                changed = any(getattr(space, k) != v for k, v in values.items())
                changed |= {t.pk for t in space.themes.all()} != wanted_themes
                changed |= {g.pk for g in space.groups.all()} != wanted_groups
                if changed:
                    access_changed = (space.visibility != values["visibility"]
                                      or {g.pk for g in space.groups.all()} != wanted_groups)
                    for k, v in values.items():
                        setattr(space, k, v)
                    space.save()
                    space.themes.set(wanted_themes)
                    space.groups.set(wanted_groups)
                    if access_changed:
                        _reindex_after_commit(Thread.objects.filter(space=space).values_list("pk", flat=True))
                    ctx.count(self.key, "updated")
                else:
                    ctx.count(self.key, "unchanged")
            ctx.objects["spaces"][space.slug] = space

    def export(self) -> list:
        result = []
        for space in Space.objects.prefetch_related("themes", "groups").order_by("sort_order", "title"):
            entry = {"slug": space.slug, "title": space.title, "description": space.description,
                     "visibility": space.visibility, "themes": [t.slug for t in space.themes.all()]}
            if space.visibility == SpaceVisibility.GROUPS:
                entry["groups"] = sorted(g.name for g in space.groups.all())
            if space.is_archived:
                entry["archived"] = True
            result.append(entry)
        return result


class ThreadSection(Section):
    key = "threads"
    order = 70

    def validate(self, items: list, ctx: ImportContext) -> None:
        spaces = set(ctx.known.get("spaces", set())) | set(Space.objects.values_list("slug", flat=True))
        members = _known_members(ctx)
        limit = max_post_length()
        keys: dict[str, int] = {}
        for i, item in enumerate(items):
            path = f"threads[{i}]"
            space = require_str(item, "space", path, ctx, max_length=80)
            if space is not None and space not in spaces:
                ctx.error(f"{path}.space", unknown("space", space, spaces))
            title = require_str(item, "title", path, ctx, max_length=160)
            if title is not None and len(title.strip()) < 5:
                ctx.error(f"{path}.title", "too short (at least 5 characters)")
            author = self._check_author(item, path, ctx, members)
            created_at = self._check_datetime(item, path, ctx)
            _check_bool(item, "pinned", path, ctx)
            _check_bool(item, "locked", path, ctx)
            posts = item.get("posts")
            if not isinstance(posts, list) or not posts:
                ctx.error(f"{path}.posts", "must be a non-empty list (posts[0] is the question)")
                posts = []
            for j, post in enumerate(posts):
                ppath = f"{path}.posts[{j}]"
                if not isinstance(post, dict):
                    ctx.error(ppath, "must be an object")
                    continue
                self._check_author(post, ppath, ctx, members)
                self._check_datetime(post, ppath, ctx)
                body = require_str(post, "body", ppath, ctx)
                if body is not None and len(body) > limit:
                    ctx.error(f"{ppath}.body", f"too long ({len(body)} characters, at most {limit})")
            if title and author and created_at:
                key = thread_key(title, author, created_at)
                if key in keys:
                    ctx.error(path, f"same title, author and created_at as threads[{keys[key]}]")
                keys[key] = i

    @staticmethod
    def _check_author(item, path, ctx, members) -> str | None:
        email = require_str(item, "author", path, ctx, max_length=254)
        if email is None:
            return None
        if email.lower() not in members:
            ctx.error(f"{path}.author", f'no member with e-mail "{email}"')
            return None
        return email.lower()

    @staticmethod
    def _check_datetime(item, path, ctx) -> datetime | None:
        value = item.get("created_at")
        if value is None:
            ctx.error(f"{path}.created_at", "missing (required)")
            return None
        parsed = parse_datetime(value)
        if parsed is None:
            ctx.error(f"{path}.created_at",
                      f'"{value}" is not an ISO 8601 date-time with an offset (e.g. 2024-05-02T09:30:00+02:00)')
        return parsed

    def apply(self, items: list, ctx: ImportContext) -> None:
        User = get_user_model()
        emails = {item["author"].lower() for item in items} | {
            p["author"].lower() for item in items for p in item["posts"]}
        users = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}
        spaces = {s.slug: s for s in Space.objects.all()}
        keyed = {
            thread_key(item["title"], item["author"], parse_datetime(item["created_at"])): item for item in items
        }
        existing = {
            t.import_key: t
            for t in Thread.objects.filter(import_key__in=list(keyed)).prefetch_related(
                Prefetch("posts", queryset=Post.objects.order_by("created_at", "pk")))
        }
        touched_threads, touched_spaces = set(), set()
        for key, item in keyed.items():
            created_at = parse_datetime(item["created_at"])
            thread = existing.get(key)
            outcome = "unchanged"
            if thread is None:
                thread = Thread.objects.create(
                    space=spaces[item["space"]], author=users[item["author"].lower()], title=item["title"].strip(),
                    created_at=created_at, last_post_at=created_at, import_key=key,
                    is_pinned=item.get("pinned", False), is_locked=item.get("locked", False))
                known_posts = {}
                outcome = "created"
            else:
                known_posts = {(p.author_id, p.created_at): p for p in thread.posts.all()}
            for post in item["posts"]:
                author = users[post["author"].lower()]
                when = parse_datetime(post["created_at"])
                found = known_posts.get((author.pk, when))
                if found is None:
                    Post.objects.create(thread=thread, author=author, body=post["body"],
                                        html=render_markdown(post["body"]), created_at=when)
                    outcome = "created" if outcome == "created" else "updated"
                elif found.body != post["body"]:
                    found.body, found.html = post["body"], render_markdown(post["body"])
                    found.save(update_fields=["body", "html"])
                    outcome = "created" if outcome == "created" else "updated"
            if outcome != "unchanged":
                touched_threads.add(thread.pk)
                touched_spaces.add(thread.space_id)
            ctx.count(self.key, outcome)
        for thread_id in touched_threads:
            recount_thread(thread_id)
        for space_id in touched_spaces:
            recount_space(space_id)
        _reindex_after_commit(touched_threads)

    def export(self) -> list:
        threads = (
            Thread.objects.filter(is_hidden=False, needs_approval=False)
            .select_related("space", "author")
            .prefetch_related(Prefetch("posts", queryset=Post.objects.public().select_related("author")
                                       .order_by("created_at", "pk")))
            .order_by("created_at", "pk")
        )
        result = []
        for thread in threads:
            posts = list(thread.posts.all())
            if not posts:
                continue
            entry = {"space": thread.space.slug, "title": thread.title, "author": thread.author.email,
                     "created_at": _iso(thread.created_at)}
            if thread.is_pinned:
                entry["pinned"] = True
            if thread.is_locked:
                entry["locked"] = True
            entry["posts"] = [{"author": p.author.email, "body": p.body, "created_at": _iso(p.created_at)}
                              for p in posts]
            result.append(entry)
        return result
