"""The directory's part of the GDPR export and of account deletion."""

from .models import DirectoryProfile


def export_profile(user):
    profile = DirectoryProfile.objects.filter(user=user).prefetch_related("themes").first()
    if profile is None:
        return None
    return {
        "listed": profile.listed,
        "themes": sorted(theme.slug for theme in profile.themes.all()),
        "presentation": profile.presentation,
        "updated_at": profile.updated_at.isoformat(),
    }


def anonymise(user) -> None:
    from search import services as search_services

    for pk in DirectoryProfile.objects.filter(user=user).values_list("pk", flat=True):
        search_services.reindex_later(DirectoryProfile(pk=pk))  # the task finds it gone: entry removed
    DirectoryProfile.objects.filter(user=user).delete()
