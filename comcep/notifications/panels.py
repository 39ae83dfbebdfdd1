from .templatetags.notifications_tags import cached_unread_count


def panel_context(request) -> dict:
    """The "Mon espace" panel: the unread count (shared with the bell: one query per request)."""
    return {"unread_count": cached_unread_count(request)}
