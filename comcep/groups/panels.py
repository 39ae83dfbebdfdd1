"""The "Mes groupes régionaux" panel of Mon espace: invitations to answer, groups I belong to
or asked to join (one query)."""

from .enums import MembershipStatus
from .models import Membership
from .services import can_use_groups


def panel_context(request) -> dict:
    user = request.user
    if not can_use_groups(user):
        return {"allowed": False}
    memberships = list(Membership.objects.filter(user=user).select_related("group__region", "group__space")
                       .order_by("group__name"))
    return {
        "allowed": True,
        "invitations": [m for m in memberships if m.status == MembershipStatus.INVITED],
        "active": [m for m in memberships if m.status == MembershipStatus.ACTIVE],
        "requested": [m for m in memberships if m.status == MembershipStatus.REQUESTED],
    }
