"""Regional groups in the unified search (search/registry.py): one entry per group, readable by
approved members (the group pages are theirs; visitors see none). The group's threads and
announcements are found through the forums' entries of its restricted space."""

from __future__ import annotations

from search.registry import EntryData, Indexer

from .models import RegionalGroup


class RegionalGroupIndexer(Indexer):
    model = RegionalGroup

    def entry(self, obj: RegionalGroup) -> EntryData | None:
        group = obj
        return EntryData(
            kind="group",
            title=group.name,
            url=group.get_absolute_url(),
            access="members",
            summary=group.description[:500],
            body=group.description[500:],
            region=group.region.slug,
            published_at=group.created_at,
        )

    def all_objects(self):
        return RegionalGroup.objects.select_related("region").order_by("pk").iterator(chunk_size=200)


def _saved(sender, instance, raw=False, **kwargs):
    if not raw:
        from search import services

        services.reindex_later(instance)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    # Groups are created and edited in the admin and by imports: follow every save and delete.
    post_save.connect(_saved, sender=RegionalGroup, dispatch_uid="regional_groups.search.saved")
    post_delete.connect(_saved, sender=RegionalGroup, dispatch_uid="regional_groups.search.deleted")
