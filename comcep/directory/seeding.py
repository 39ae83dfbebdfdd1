"""Directory profiles for the benchmark's databases (issue 7): a share of the seeded members chose to appear
in the directory, with themes of expertise and a presentation, so that /annuaire/ lists thousands of members
at the large size. Called by bench/targets.py (``ensure_profiles``) when a seeded database has none."""

from __future__ import annotations

import random

from django.db import transaction

from comcep.core.seeding import batched, paragraph
from comcep.taxonomy.models import Theme

from .models import DirectoryProfile, derived_from

#: Share of the seeded members who have a profile, and share of those who chose to be listed.
PROFILE_SHARE = 0.4
LISTED_SHARE = 0.85


@transaction.atomic
def seed_profiles(users, rng: random.Random) -> int:
    """A profile for about PROFILE_SHARE of ``users`` (bulk inserts; no search entry is written: the
    unified search's bench numbers stay those of the seeded content). Returns the number created."""
    themes = list(Theme.objects.values_list("pk", flat=True))
    profiles, chosen = [], []
    for user in users:
        if rng.random() >= PROFILE_SHARE:
            continue
        listed = rng.random() < LISTED_SHARE
        # bulk_create does not call save(): the derived columns are written here.
        profiles.append(DirectoryProfile(user=user, listed=listed, presentation=paragraph(rng, (1, 2))[:600],
                                         **derived_from(user, listed=listed)))
        chosen.append(rng.sample(themes, min(len(themes), rng.randint(1, 3))))
    for batch in batched(profiles):
        DirectoryProfile.objects.bulk_create(batch)
    through = DirectoryProfile.themes.through  # bulk_create set the profiles' keys (RETURNING)
    rows = [through(directoryprofile_id=p.pk, theme_id=theme)
            for p, picked in zip(profiles, chosen, strict=True) for theme in picked]
    for batch in batched(rows):
        through.objects.bulk_create(batch)
    return len(profiles)
