from django import template

from ..services import UNREAD_ANNOTATION, unread_count

register = template.Library()

UNREAD_LIMIT = 100


def cached_unread_count(request) -> int:
    """The reader's unread count, computed once per request (the bell and the panel share it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_approved:
        return 0  # a withdrawn membership reads no notification (views.notification_list)
    if not hasattr(request, "_notifications_unread_count"):
        # Read with the session's user (comcep.core.sessionuser, annotation registered in apps.py), unless a
        # view of this request changed it (services.forget_unread_count) or another backend loaded the user.
        loaded = getattr(user, UNREAD_ANNOTATION, None)
        request._notifications_unread_count = (loaded if loaded is not None
                                               else unread_count(user, limit=UNREAD_LIMIT))
    return request._notifications_unread_count


@register.simple_tag(takes_context=True)
def unread_notifications_count(context) -> int:
    request = context.get("request")
    return cached_unread_count(request) if request is not None else 0


@register.filter
def capped_count(value: int) -> str:
    return f"{UNREAD_LIMIT - 1}+" if value >= UNREAD_LIMIT else str(value)
