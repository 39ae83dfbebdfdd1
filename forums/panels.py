"""The "Mes échanges" panel of "Mon espace" (one query)."""

from .models import Thread, can_use_forums, space_access_q


def panel_context(request) -> dict:
    user = request.user
    if not can_use_forums(user):
        return {"threads": [], "allowed": False}
    # The member's own threads in spaces they may still enter (no moderator lookup needed).
    threads = list(
        Thread.objects.filter(author=user, is_hidden=False).filter(space_access_q(user, "space__"))
        .select_related("space").order_by("-last_post_at")[:5]
    )
    return {"threads": threads, "allowed": True}
