"""Bulk resources for ``seed_bulk`` (benchmarks).

ResourcePages are multi-table Wagtail pages under the single ResourceIndexPage. ``add_child``
costs several queries per page, so this seeder does what treebeard's MP_Node does, in bulk:
child paths are ``parent.path + base36 step`` (steplen 4) after the index's last child, depth is
``parent.depth + 1``, and the parent's ``numchild`` is updated once. The ``wagtailcore_page`` rows
are bulk-created first, then the ``resources_resourcepage`` rows are inserted with their
``page_ptr_id`` (Django's bulk_create refuses multi-table models, so ``_insert`` is used on the
child table's local fields only). Pages are created live, without revisions.
"""

from __future__ import annotations

import datetime
import json
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from wagtail.models import Page

from comcep.core.seeding import SeedContext, Seeder, batched, paragraph, sentence, title
from comcep.taxonomy.models import Audience, Operator, Region, ServiceLevel, Theme

from .enums import ResourceKind, Visibility
from .models import Bookmark, ResourceIndexPage, ResourcePage, ResourceStats, UsefulVote


def ensure_themes() -> None:
    """A fresh database has no themes (they come with the demo content): take the demo's."""
    if Theme.objects.exists():
        return
    demo = json.loads((Path(settings.BASE_DIR) / "comcep" / "core" / "demo" / "10-communaute.json").read_text())
    created = {}
    for order, item in enumerate(demo["themes"]):
        created[item["slug"]] = Theme.objects.create(
            slug=item["slug"], name=item["name"], description=item.get("description", ""), sort_order=order,
            parent=created.get(item.get("parent")))


def _body(rng) -> tuple[list[dict], str]:
    blocks, markdown = [], []
    for _ in range(rng.randint(2, 4)):
        heading = sentence(rng).rstrip(".")[:120]
        text = paragraph(rng, (3, 6))
        blocks.append({"type": "heading", "value": heading, "id": str(uuid.UUID(int=rng.getrandbits(128)))})
        blocks.append({"type": "rich_text", "value": f"<p>{escape(text)}</p>",
                       "id": str(uuid.UUID(int=rng.getrandbits(128)))})
        markdown += [f"## {heading}", text]
    return blocks, "\n\n".join(markdown)


class ResourceSeeder(Seeder):
    key = "resources"
    order = 20

    def seed(self, ctx: SeedContext) -> None:
        rng = ctx.rng
        count = ctx.sizes["resources"]
        index = ResourceIndexPage.objects.first()
        if index is None or not count:
            ctx.progress("resources: no library page (run migrate) or nothing to create")
            return
        index = Page.objects.get(pk=index.pk)
        last = index.get_last_child()
        first_step = (Page._str2int(last.path[-Page.steplen:]) + 1) if last else 1
        content_type = ContentType.objects.get_for_model(ResourcePage)
        member_ids = ctx.shared.get("member_ids") or []
        ensure_themes()
        themes = list(Theme.objects.values_list("pk", flat=True))
        audiences = list(Audience.objects.values_list("pk", flat=True))
        levels = list(ServiceLevel.objects.values_list("pk", flat=True))
        operators = list(Operator.objects.values_list("pk", flat=True))
        regions = list(Region.objects.values_list("pk", flat=True))
        kinds = list(ResourceKind.values)
        now = timezone.now()
        existing_slugs = set(Page.objects.filter(path__startswith=index.path, depth=index.depth + 1)
                             .values_list("slug", flat=True))

        # A pool of bodies (rendering and JSON are the costly part); every page picks one.
        bodies = [_body(rng) for _ in range(min(count, 400))]

        pages, details = [], []
        for n in range(count):
            page_title = f"{title(rng)} ({n + 1})"
            slug = slugify(page_title)[:200] or f"ressource-{n}"
            while slug in existing_slugs:
                slug = f"{slug}-{n}"
            existing_slugs.add(slug)
            published = now - datetime.timedelta(minutes=rng.randint(60, 60 * 24 * 900))
            pages.append(Page(
                path=Page._get_path(index.path, index.depth + 1, first_step + n),
                depth=index.depth + 1, numchild=0, translation_key=uuid.UUID(int=rng.getrandbits(128), version=4),
                locale_id=index.locale_id, live=True, has_unpublished_changes=False,
                first_published_at=published, last_published_at=published, title=page_title,
                draft_title=page_title, slug=slug, content_type=content_type,
                url_path=f"{index.url_path}{slug}/", seo_title="", search_description="",
            ))
            body, markdown = rng.choice(bodies)
            details.append({
                "kind": rng.choice(kinds), "summary": paragraph(rng, (2, 3))[:600], "body": body,
                "body_markdown": markdown, "region_id": rng.choice(regions) if rng.random() < 0.4 else None,
                "visibility": Visibility.PUBLIC if rng.random() < 0.7 else Visibility.MEMBERS,
                "author_id": rng.choice(member_ids) if member_ids and rng.random() < 0.3 else None,
                "organisation": "Réseau CEP", "author_name": "",
                "themes": rng.sample(themes, k=min(len(themes), rng.randint(1, 3))),
                "audiences": rng.sample(audiences, k=min(len(audiences), rng.randint(0, 2))),
                "levels": rng.sample(levels, k=min(len(levels), rng.randint(0, 2))),
                "operators": rng.sample(operators, k=min(len(operators), rng.randint(0, 1))),
            })
        for i, batch in enumerate(batched(pages, 1000)):
            Page.objects.bulk_create(batch)
            ctx.progress(f"resources: {min((i + 1) * 1000, count)}/{count} pages")
        paths = [p.path for p in pages]
        ids = {}
        for batch in batched(paths, 900):
            ids.update(Page.objects.filter(path__in=batch).values_list("path", "pk"))
        page_ids = [ids[p] for p in paths]
        Page.objects.filter(pk=index.pk).update(numchild=index.numchild + count)

        fields = ResourcePage._meta.local_concrete_fields
        children = []
        for pk, detail in zip(page_ids, details, strict=True):
            child = ResourcePage(page_ptr_id=pk, id=pk, **{k: v for k, v in detail.items()
                                                          if k not in ("themes", "audiences", "levels", "operators")})
            children.append(child)
        for batch in batched(children, 500):
            ResourcePage._base_manager._insert(batch, fields=fields, raw=True)

        for relation, key in (("themes", "themes"), ("audiences", "audiences"), ("service_levels", "levels"),
                              ("operators", "operators")):
            through = getattr(ResourcePage, relation).through
            target = getattr(ResourcePage, relation).field.m2m_reverse_field_name()
            rows = [through(resourcepage_id=pk, **{f"{target}_id": term}) for pk, d in zip(page_ids, details,
                                                                                        strict=True)
                    for term in d[key]]
            for batch in batched(rows, 2000):
                through.objects.bulk_create(batch)

        # Bookmarks and "utile" votes with consistent counters.
        useful, marks = {}, {}
        votes, bookmarks = [], []
        if member_ids:
            for pk in page_ids:
                for user in rng.sample(member_ids, k=min(len(member_ids), rng.choice((0, 0, 1, 2, 5)))):
                    votes.append(UsefulVote(user_id=user, page_id=pk))
                    useful[pk] = useful.get(pk, 0) + 1
                for user in rng.sample(member_ids, k=min(len(member_ids), rng.choice((0, 0, 0, 1, 3)))):
                    bookmarks.append(Bookmark(user_id=user, page_id=pk))
                    marks[pk] = marks.get(pk, 0) + 1
        for batch in batched(votes):
            UsefulVote.objects.bulk_create(batch)
        for batch in batched(bookmarks):
            Bookmark.objects.bulk_create(batch)
        stats = [ResourceStats(page_id=pk, useful_count=useful.get(pk, 0), bookmark_count=marks.get(pk, 0))
                 for pk in page_ids]
        for batch in batched(stats):
            ResourceStats.objects.bulk_create(batch)

        from .facet_index import invalidate

        invalidate()  # bulk inserts send no signals
        ctx.shared["resource_ids"] = page_ids
        ctx.shared.setdefault("summary", {}).update(resources=len(page_ids), bookmarks=len(bookmarks),
                                                    useful_votes=len(votes))
        ctx.progress(f"resources: {len(page_ids)} pages, {len(votes)} votes, {len(bookmarks)} bookmarks")
