"""Side effects of the directory: one function per action."""

from django.db import transaction

from search import services as search_services

from .models import DirectoryProfile, search_text_for


@transaction.atomic
def save_profile(*, user, listed: bool, themes, presentation: str) -> DirectoryProfile:
    profile, _created = DirectoryProfile.objects.select_for_update().get_or_create(user=user)
    profile.listed = listed
    profile.presentation = presentation.strip()
    profile.save()
    profile.themes.set(themes)
    search_services.reindex_later(profile)
    return profile


def refresh_search_text(user) -> None:
    """The member's name or organisation changed: keep the directory's search column in step
    (one UPDATE, nothing when the member has no profile)."""
    DirectoryProfile.objects.filter(user_id=user.pk).exclude(search_text=search_text_for(user)).update(
        search_text=search_text_for(user))


def reindex_member(user) -> None:
    """What the member's directory entry shows changed (names, operator, region, status): rewrite
    it in the search after commit (nothing when the member has no profile)."""
    profile_id = DirectoryProfile.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
    if profile_id is not None:
        search_services.reindex_later(DirectoryProfile(pk=profile_id))
