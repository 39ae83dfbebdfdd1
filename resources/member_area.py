"""Panels of "Mon espace": favourites and proposals (two queries each, whatever the numbers)."""

from .models import Bookmark, ResourceProposal

PANEL_LIMIT = 5


def bookmarked_resources(user, limit=None):
    qs = (Bookmark.objects.filter(user=user, page__live=True)
          .select_related("page").order_by("-created_at"))
    return qs[:limit] if limit else qs


def bookmarks_panel_context(request) -> dict:
    user = request.user
    if not (user.is_authenticated and user.is_approved):
        return {"bookmarks": [], "bookmark_total": 0}
    bookmarks = list(bookmarked_resources(user, PANEL_LIMIT + 1))
    return {"bookmarks": bookmarks[:PANEL_LIMIT], "has_more_bookmarks": len(bookmarks) > PANEL_LIMIT}


def proposals_panel_context(request) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {"proposals": []}
    return {"proposals": list(ResourceProposal.objects.for_member_area(user)[:PANEL_LIMIT])}
