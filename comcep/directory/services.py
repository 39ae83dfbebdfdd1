"""Side effects of the directory: one function per action."""

from django.db import transaction

from .models import DirectoryProfile


@transaction.atomic
def save_profile(*, user, listed: bool, themes, presentation: str) -> DirectoryProfile:
    profile, _created = DirectoryProfile.objects.select_for_update().get_or_create(user=user)
    profile.listed = listed
    profile.presentation = presentation.strip()
    profile.save()
    profile.themes.set(themes)
    return profile
