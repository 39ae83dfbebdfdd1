"""Side effects of the directory: one function per action."""

from django.db import transaction
from django.db.models import F

from search import services as search_services

from .models import DirectoryProfile, account_may_appear, derived_from


@transaction.atomic
def save_profile(*, user, listed: bool, themes, presentation: str) -> DirectoryProfile:
    profile, _created = DirectoryProfile.objects.select_for_update().get_or_create(user=user)
    profile.listed = listed
    profile.presentation = presentation.strip()
    profile.save()
    profile.themes.set(themes)
    search_services.reindex_later(profile)
    return profile


def refresh_from_account(user) -> None:
    """The member's account was saved: keep the profile's columns derived from it (search text, sort name,
    region, operator, and whether the profile is shown) in step. One UPDATE, which writes nothing when the
    member has no profile or nothing changed. ``shown`` is computed from the row's own ``listed`` in the
    statement, so a concurrent save of the member's choice cannot be overwritten by a stale one."""
    values = derived_from(user, listed=True)
    values["shown"] = F("listed") if account_may_appear(user) else False
    DirectoryProfile.objects.filter(user_id=user.pk).exclude(**values).update(**values)


def reindex_member(user) -> None:
    """What the member's directory entry shows changed (names, operator, region, status): rewrite
    it in the search after commit (nothing when the member has no profile)."""
    profile_id = DirectoryProfile.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
    if profile_id is not None:
        search_services.reindex_later(DirectoryProfile(pk=profile_id))


def refresh_from_accounts(user_ids) -> None:
    """Accounts written without ``save()`` (the Wagtail admin's bulk "set active state" runs a
    ``QuerySet.update``, which sends no ``post_save``): refresh their profiles' derived columns and their
    entries in the unified search, as the receiver does for a save (signals.py)."""
    from django.contrib.auth import get_user_model

    for user in get_user_model().objects.filter(pk__in=list(user_ids)):
        refresh_from_account(user)
        reindex_member(user)
