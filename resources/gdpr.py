"""What the library holds about a member, for the GDPR export and account deletion."""

from django.db.models import F
from django.db.models.functions import Greatest
from wagtail.models import Revision

from comcep.core import routecache
from comcep.core.links import public_url
from search import services as search_services

from .models import Bookmark, ResourcePage, ResourceProposal, ResourceStats, UsefulVote

DELETED_MEMBER = "Membre supprimé"


def _iso(value):
    return value.isoformat() if value else None


def export_bookmarks(user) -> list:
    return [
        {"resource": b.page.title, "url": public_url(b.page.url or "/"), "created_at": _iso(b.created_at)}
        for b in Bookmark.objects.filter(user=user).select_related("page").order_by("created_at")
    ]


def export_useful_votes(user) -> list:
    return [
        {"resource": v.page.title, "url": public_url(v.page.url or "/"), "created_at": _iso(v.created_at)}
        for v in UsefulVote.objects.filter(user=user).select_related("page").order_by("created_at")
    ]


def export_proposals(user) -> list:
    return [
        {"title": p.title, "status": p.status, "created_at": _iso(p.created_at),
         "reviewed_at": _iso(p.reviewed_at), "reviewer_comment": p.reviewer_comment}
        for p in ResourceProposal.objects.filter(member=user).order_by("created_at")
    ]


def export_authored_resources(user) -> list:
    """The resources credited to the member as author: those they proposed (published or not) and those a
    moderator credited to them. ``markdown`` is the text as the member proposed it (empty for a resource
    written in the admin). One query whatever their number."""
    return [
        {"title": p.title, "kind": p.kind, "summary": p.summary, "markdown": p.body_markdown or None,
         "published": p.live, "url": public_url(p.url or "/") if p.live else None,
         "first_published_at": _iso(p.first_published_at), "last_published_at": _iso(p.last_published_at)}
        for p in ResourcePage.objects.filter(author=user).order_by("pk")
    ]


def anonymise(user) -> None:
    """Drop the member's votes, bookmarks and proposal tracking (counters follow); keep the
    resources they wrote, credited to "Membre supprimé" (pages and their revisions, so that
    a later publish does not bring the name back)."""
    for model, counter in ((UsefulVote, "useful_count"), (Bookmark, "bookmark_count")):
        page_ids = list(model.objects.filter(user=user).values_list("page_id", flat=True))
        if page_ids:
            ResourceStats.objects.filter(page_id__in=page_ids).update(**{counter: Greatest(F(counter) - 1, 0)})
            model.objects.filter(user=user).delete()
            if model is UsefulVote:  # the search ranking boosts useful resources (as remove_useful_vote)
                search_services.reindex_many_later(ResourcePage, page_ids)
    ResourceProposal.objects.filter(member=user).delete()

    authored = list(ResourcePage.objects.filter(author=user).values_list("pk", flat=True))
    if not authored:
        return
    ResourcePage.objects.filter(pk__in=authored).update(author=None, author_name=DELETED_MEMBER)
    routecache.invalidate()  # the pages' rows, kept per process by the routing, changed without a signal
    revisions = Revision.objects.filter(base_content_type__app_label="wagtailcore",
                                        object_id__in=[str(pk) for pk in authored])
    for revision in revisions:
        content = revision.content
        if content.get("author") == user.pk:
            content["author"] = None
            content["author_name"] = DELETED_MEMBER
            Revision.objects.filter(pk=revision.pk).update(content=content)
