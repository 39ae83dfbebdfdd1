"""``themes`` in the content exchange format."""

from comcep.core.exchange import ImportContext, Section, require_str, unknown

from .models import Theme


class ThemeSection(Section):
    key = "themes"
    order = 10

    def validate(self, items: list, ctx: ImportContext) -> None:
        existing = set(Theme.objects.values_list("slug", flat=True))
        seen: set[str] = set()
        for i, item in enumerate(items):
            path = f"themes[{i}]"
            slug = require_str(item, "slug", path, ctx, max_length=80)
            require_str(item, "name", path, ctx, max_length=120)
            if slug is not None:
                if slug in seen:
                    ctx.error(f"{path}.slug", f'duplicate slug "{slug}"')
                seen.add(slug)
        known = existing | seen
        for i, item in enumerate(items):
            parent = item.get("parent")
            if parent is not None and parent not in known:
                ctx.error(f"themes[{i}].parent", unknown("theme", parent, known))
            elif parent is not None and parent == item.get("slug"):
                ctx.error(f"themes[{i}].parent", "a theme cannot be its own parent")
        ctx.known["themes"] |= known

    def apply(self, items: list, ctx: ImportContext) -> None:
        by_slug = {t.slug: t for t in Theme.objects.all()}
        for order, item in enumerate(items):
            values = {"name": item["name"], "description": item.get("description") or "", "sort_order": order}
            theme = by_slug.get(item["slug"])
            if theme is None:
                by_slug[item["slug"]] = Theme.objects.create(slug=item["slug"], **values)
                ctx.count(self.key, "created")
            elif any(getattr(theme, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(theme, k, v)
                theme.save()
                ctx.count(self.key, "updated")
            else:
                ctx.count(self.key, "unchanged")
        for item in items:  # parents once every theme exists
            theme = by_slug[item["slug"]]
            parent = by_slug.get(item.get("parent")) if item.get("parent") else None
            if theme.parent_id != (parent.pk if parent else None):
                theme.parent = parent
                theme.save(update_fields=["parent"])

    def export(self) -> list:
        return [
            {"slug": t.slug, "name": t.name, "parent": t.parent.slug if t.parent else None,
             **({"description": t.description} if t.description else {})}
            for t in Theme.objects.select_related("parent").order_by("sort_order", "name")
        ]
