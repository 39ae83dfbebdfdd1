"""``groups`` in the content exchange format (comcep-content/1).

groups: {"slug", "name", "region" (region slug), "description"?,
         "coordinators"?: [member e-mails], "members"?: [member e-mails]}

- A group is identified by its slug; its name, region and description are updated.
- A new group gets its auth group ("Groupe régional : <slug>") and its restricted forum space
  ("groupe-<slug>", visible to that auth group): the ``threads`` of the same file may use that
  space slug, and the ``spaces`` section may list the space (an export does) — the section runs
  before ``spaces`` (order 55) and declares both.
- ``coordinators`` and ``members`` (active members who are not coordinators) are added, never
  removed (like posts, nothing is deleted by an import); a member in both lists is an error.
  Requests and invitations in progress are not exported.
- Imported memberships do not notify anyone.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.utils.text import slugify

from comcep.core.exchange import ImportContext, Section, require_str, unknown
from comcep.taxonomy.models import Region
from forums.enums import RESERVED_SPACE_SLUGS
from forums.models import Space

from . import services
from .enums import Role
from .models import Membership, RegionalGroup

FIELDS = {"slug", "name", "region", "description", "coordinators", "members"}


def _known_emails(ctx: ImportContext) -> set[str]:
    if "groups:members" not in ctx.objects:
        db = {e.lower() for e in get_user_model().objects.values_list("email", flat=True)}
        ctx.objects["groups:members"] = {"emails": db | {str(e).lower() for e in ctx.known.get("members", set())}}
    return ctx.objects["groups:members"]["emails"]


class GroupSection(Section):
    key = "groups"
    order = 55

    def validate(self, items: list, ctx: ImportContext) -> None:
        regions = set(Region.objects.values_list("slug", flat=True))
        existing = set(RegionalGroup.objects.values_list("slug", flat=True))
        spaces = set(Space.objects.values_list("slug", flat=True))
        emails = _known_emails(ctx)
        seen: set[str] = set()
        for i, item in enumerate(items):
            path = f"groups[{i}]"
            slug = require_str(item, "slug", path, ctx, max_length=60)
            require_str(item, "name", path, ctx, max_length=120)
            require_str(item, "description", path, ctx, required=False)
            region = require_str(item, "region", path, ctx)
            if region is not None and region not in regions:
                ctx.error(f"{path}.region", unknown("region", region, regions))
            if slug is not None:
                space_slug = services.space_slug_for(slug)
                if slug != slugify(slug):
                    ctx.error(f"{path}.slug", f'"{slug}" is not a valid slug (lowercase letters, digits, hyphens)')
                elif slug in seen:
                    ctx.error(f"{path}.slug", f'duplicate slug "{slug}"')
                elif slug not in existing and (space_slug in spaces or space_slug in RESERVED_SPACE_SLUGS):
                    ctx.error(f"{path}.slug", f'the space "{space_slug}" already exists and belongs to no group')
                seen.add(slug)
            lists = {}
            for key in ("coordinators", "members"):
                values = item.get(key, [])
                if not isinstance(values, list):
                    ctx.error(f"{path}.{key}", "must be a list")
                    continue
                lists[key] = set()
                for j, email in enumerate(values):
                    if not isinstance(email, str) or email.strip().lower() not in emails:
                        ctx.error(f"{path}.{key}[{j}]", f"no member with e-mail {email!r}")
                    else:
                        lists[key].add(email.strip().lower())
            for email in sorted(lists.get("coordinators", set()) & lists.get("members", set())):
                ctx.error(f"{path}.members", f'"{email}" is also listed in coordinators')
            for key in sorted(set(item) - FIELDS):
                ctx.error(f"{path}.{key}", f"unknown field (known: {', '.join(sorted(FIELDS))})")
        ctx.known["groups"] |= seen | existing
        # The groups' spaces and auth groups exist for the sections that follow (spaces, threads).
        ctx.known["spaces"] |= {services.space_slug_for(s) for s in seen}
        ctx.known["auth_groups"] |= {services.auth_group_name_for(s) for s in seen}

    def apply(self, items: list, ctx: ImportContext) -> None:
        regions = {r.slug: r for r in Region.objects.all()}
        groups = {g.slug: g for g in RegionalGroup.objects.select_related("space")}
        wanted_emails = {e.strip().lower() for item in items for key in ("coordinators", "members")
                         for e in item.get(key) or []}
        condition = Q(pk__in=[])
        for email in wanted_emails:
            condition |= Q(email__iexact=email)
        users = {u.email.lower(): u for u in get_user_model().objects.filter(condition)} if wanted_emails else {}
        for item in items:
            coordinators = [users[e.strip().lower()] for e in item.get("coordinators") or []]
            members = [users[e.strip().lower()] for e in item.get("members") or []]
            region, name, description = regions[item["region"]], item["name"], item.get("description") or ""
            group = groups.get(item["slug"])
            if group is None:
                group = services.create_group(region=region, slug=item["slug"], name=name, description=description,
                                              coordinators=coordinators)
                self._add_members(group, members, [])
                ctx.count(self.key, "created")
                continue
            changed = (group.region_id, group.name, group.description) != (region.pk, name, description)
            if changed:
                services.update_group(group=group, region=region, name=name, description=description)
            changed |= self._add_members(group, members, coordinators)
            ctx.count(self.key, "updated" if changed else "unchanged")

    @staticmethod
    def _add_members(group: RegionalGroup, members, coordinators) -> bool:
        """Make ``members`` active members and ``coordinators`` active coordinators (never removes)."""
        changed = False
        for role, users in ((Role.COORDINATOR, coordinators), (Role.MEMBER, members)):
            for user in users:
                changed |= services.ensure_active(group=group, user=user, role=role)
        return changed

    def export(self) -> list:
        active = Membership.objects.active().filter(user__deleted_at__isnull=True).select_related("user")
        groups = (RegionalGroup.objects.select_related("region")
                  .prefetch_related(Prefetch("memberships", queryset=active, to_attr="active_memberships"))
                  .order_by("slug"))
        result = []
        for group in groups:
            entry = {"slug": group.slug, "name": group.name, "region": group.region.slug}
            if group.description:
                entry["description"] = group.description
            entry["coordinators"] = sorted(m.user.email for m in group.active_memberships
                                           if m.role == Role.COORDINATOR)
            entry["members"] = sorted(m.user.email for m in group.active_memberships if m.role == Role.MEMBER)
            result.append(entry)
        return result
