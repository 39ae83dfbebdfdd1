"""Who may see and manage agenda content (the rules every view and list applies)."""


def can_see_members_content(user) -> bool:
    """Approved members and moderators see members-only events and news; visitors and
    pending or rejected accounts see public content only."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_approved or user.is_moderator)


def can_manage_event(user, event) -> bool:
    """The organiser and moderators see the registrants and export them."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_moderator:
        return True
    return bool(event.organiser_id and event.organiser_id == user.pk and user.is_approved)
