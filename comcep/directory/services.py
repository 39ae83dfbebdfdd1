"""Side effects of the directory: one function per action."""

from django.db import transaction

from .models import DirectoryProfile, search_text_for


@transaction.atomic
def save_profile(*, user, listed: bool, themes, presentation: str) -> DirectoryProfile:
    profile, _created = DirectoryProfile.objects.select_for_update().get_or_create(user=user)
    profile.listed = listed
    profile.presentation = presentation.strip()
    profile.save()
    profile.themes.set(themes)
    return profile


def refresh_search_text(user) -> None:
    """The member's name or organisation changed: keep the directory's search column in step
    (one UPDATE, nothing when the member has no profile)."""
    DirectoryProfile.objects.filter(user_id=user.pk).exclude(search_text=search_text_for(user)).update(
        search_text=search_text_for(user))
