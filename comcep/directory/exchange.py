"""``directory`` in the content exchange format (comcep-content/1): the members' directory entries.

directory: {"member": e-mail, "listed": bool, "themes"?: [theme slugs], "presentation"?: text}

- One entry per member (identified by e-mail; the member comes from ``members`` or the database).
- ``listed`` is the member's own choice to appear in the directory; the themes of expertise and
  the presentation (plain text, at most 600 characters) are replaced by the file's.
- Exported for every member with a directory entry, listed or not, except deleted accounts.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from comcep.core.exchange import ImportContext, Section, check_slugs, require_str, unknown
from comcep.taxonomy.models import Theme

from . import services
from .models import PRESENTATION_MAX_LENGTH, DirectoryProfile

FIELDS = {"member", "listed", "themes", "presentation"}


class DirectorySection(Section):
    key = "directory"
    order = 25  # after themes (10) and members (20)

    def validate(self, items: list, ctx: ImportContext) -> None:
        emails = {e.lower() for e in get_user_model().objects.values_list("email", flat=True)}
        emails |= {str(e).lower() for e in ctx.known.get("members", set())}
        themes = set(Theme.objects.values_list("slug", flat=True)) | ctx.known.get("themes", set())
        seen: set[str] = set()
        for i, item in enumerate(items):
            path = f"directory[{i}]"
            if not isinstance(item, dict):
                ctx.error(path, "must be an object")
                continue
            email = require_str(item, "member", path, ctx)
            if email is not None:
                email = email.strip().lower()
                if email not in emails:
                    ctx.error(f"{path}.member", unknown("member", email, emails))
                elif email in seen:
                    ctx.error(f"{path}.member", f'"{email}" has two directory entries')
                seen.add(email)
            if not isinstance(item.get("listed"), bool):
                ctx.error(f"{path}.listed", "must be true or false")
            check_slugs(item, "themes", path, ctx, themes, "theme")
            require_str(item, "presentation", path, ctx, max_length=PRESENTATION_MAX_LENGTH, required=False)
            for key in sorted(set(item) - FIELDS):
                ctx.error(f"{path}.{key}", f"unknown field (known: {', '.join(sorted(FIELDS))})")

    def apply(self, items: list, ctx: ImportContext) -> None:
        users = {u.email.lower(): u for u in get_user_model().objects.all()}
        themes = {t.slug: t for t in Theme.objects.all()}
        profiles = {p.user_id: p for p in DirectoryProfile.objects.prefetch_related("themes")}
        for item in items:
            user = users[item["member"].strip().lower()]
            wanted = (item["listed"], sorted(item.get("themes") or []), (item.get("presentation") or "").strip())
            profile = profiles.get(user.pk)
            if profile is not None and wanted == (profile.listed, sorted(t.slug for t in profile.themes.all()),
                                                  profile.presentation):
                ctx.count(self.key, "unchanged")
                continue
            services.save_profile(user=user, listed=wanted[0], themes=[themes[s] for s in wanted[1]],
                                  presentation=wanted[2])
            ctx.count(self.key, "created" if profile is None else "updated")

    def export(self) -> list:
        profiles = (DirectoryProfile.objects.filter(user__deleted_at__isnull=True).select_related("user")
                    .prefetch_related("themes").order_by("user__email"))
        result = []
        for profile in profiles:
            entry = {"member": profile.user.email, "listed": profile.listed,
                     "themes": sorted(t.slug for t in profile.themes.all())}
            if profile.presentation:
                entry["presentation"] = profile.presentation
            result.append(entry)
        return result
