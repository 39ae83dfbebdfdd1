"""Resources credited to a member, for their directory profile (comcep.directory.contributions)."""

from comcep.directory.contributions import LIMIT

from .models import ResourcePage


def credited_resources(profile_user, reader) -> list[dict]:
    """Live resources whose author is ``profile_user`` that ``reader`` may open (one query)."""
    pages = (
        ResourcePage.objects.visible_to(reader)
        .filter(author=profile_user)
        .order_by("-first_published_at", "-pk")
        .only("id", "title", "url_path", "path", "depth", "first_published_at")[:LIMIT]
    )
    return [{"title": page.title, "url": page.url, "date": page.first_published_at} for page in pages]
