"""Personal data held by the regional groups (comcep.accounts.gdpr)."""

from forums.models import Space

from .models import Membership


def export_member_data(user) -> dict:
    memberships = Membership.objects.filter(user=user).select_related("group__region").order_by("created_at")
    return {"memberships": [
        {"group": m.group.name, "slug": m.group.slug, "region": m.group.region.name,
         "role": m.role, "status": m.status, "created_at": m.created_at.isoformat(),
         "decided_at": m.decided_at.isoformat() if m.decided_at else None,
         "url": m.group.get_absolute_url()}
        for m in memberships
    ]}


def anonymise_member(user) -> None:
    """On account deletion: the memberships go, and with them the moderation of the groups'
    spaces (the auth groups are cleared by the accounts app)."""
    from .models import RegionalGroup
    from .services import tell_moderators_if_without_coordinator

    coordinated = list(RegionalGroup.objects.filter(
        pk__in=Membership.objects.coordinators().filter(user=user).values("group_id")))
    group_spaces = Membership.objects.filter(user=user).values("group__space_id")
    Space.moderators.through.objects.filter(user_id=user.pk, space_id__in=group_spaces).delete()
    Membership.objects.filter(user=user).delete()
    # The last coordinator of a group deleting their account: the moderators are told, and its join requests
    # now go to them (services._request_deciders).
    tell_moderators_if_without_coordinator(coordinated, departed=None)
