"""The directory in the unified search (search/registry.py): one entry per listed member,
readable by approved members only (the directory is closed to visitors and pending accounts).
Found by name, organisation, operator, region, themes of expertise and presentation; the
region and theme facets apply."""

from __future__ import annotations

from django.urls import reverse

from search.registry import EntryData, Indexer

from .models import DirectoryProfile, account_may_appear


class DirectoryProfileIndexer(Indexer):
    model = DirectoryProfile

    def entry(self, obj: DirectoryProfile) -> EntryData | None:
        user = obj.user
        # The rule of DirectoryProfile.objects.listed(), on the loaded rows.
        if not (obj.listed and account_may_appear(user)):
            return None
        operator, region = user.operator, user.region
        facts = [user.organisation, operator.name if operator else "", region.name if region else ""]
        return EntryData(
            kind="member",
            title=user.public_name,
            url=reverse("directory:profile", kwargs={"user_id": user.pk}),
            access="members",
            summary=" · ".join(f for f in facts if f),
            body=obj.presentation,
            themes=[t.slug for t in obj.themes.all()],
            region=region.slug if region else "",
            updated_at=obj.updated_at,
        )

    def all_objects(self):
        return (DirectoryProfile.objects.listed().for_listing().order_by("pk").iterator(chunk_size=200))
