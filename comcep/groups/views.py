"""Pages of the regional groups (/groupes/). Thin views: permissions and side effects live
in ``comcep.groups.services``; who sees the group's space is the forums' business."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from comcep.core import access
from comcep.core.prepared import PreparedQuery
from forums.models import Thread

from . import services
from .enums import MembershipStatus, Role
from .forms import AnnouncementForm, InviteSearchForm
from .models import Membership, RegionalGroup

INVITE_RESULTS = 20


members_only = access.members_only("groups/members_only.html", allowed=services.can_use_groups)


def _error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("Action impossible.")


def _group(request, slug) -> RegionalGroup:
    qs = (RegionalGroup.objects.select_related("region", "space").with_counts().with_coordinators()
          .with_my_membership(request.user))
    return get_object_or_404(qs, slug=slug)


def _can_manage(user, group: RegionalGroup) -> bool:
    """From the annotations of ``_group`` (no query for members)."""
    is_coordinator = group.my_status == MembershipStatus.ACTIVE and group.my_role == Role.COORDINATOR
    return is_coordinator or user.is_moderator


# The list page's groups (with counts, coordinators and the reader's membership), compiled once per process.
_LIST = PreparedQuery(
    "groups.list",
    lambda *, user: RegionalGroup.objects.for_list(user),
    params={"user": int},
)


@require_GET
@members_only
def group_list(request):
    groups = _LIST.objects(user=request.user.pk)
    return render(request, "groups/list.html", {"groups": groups})


@require_GET
@members_only
def group_detail(request, slug):
    user = request.user
    group = _group(request, slug)
    is_member = group.my_status == MembershipStatus.ACTIVE
    threads = []
    if is_member or user.is_moderator:
        threads = list(Thread.objects.filter(space_id=group.space_id).visible_to(user)
                       .select_related("author").order_by("-is_pinned", "-last_post_at", "-pk")[:5])
    return render(request, "groups/detail.html", {
        "group": group,
        "is_member": is_member,
        "can_manage": _can_manage(user, group),
        "threads": threads,
        "statuses": MembershipStatus,
    })


@require_POST
@members_only
def group_join(request, slug):
    group = _group(request, slug)
    try:
        if request.POST.get("action") == "annuler":
            services.cancel_request(group=group, user=request.user)
            messages.success(request, _("Votre demande est retirée."))
        else:
            membership = services.request_join(group=group, user=request.user)
            if membership.status == MembershipStatus.ACTIVE:
                messages.success(request, _("Vous avez rejoint le groupe « %(name)s ».") % {"name": group.name})
            else:
                messages.success(request, _("Votre demande est transmise aux coordinateurs du groupe : vous serez "
                                            "averti(e) de leur réponse."))
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, _error(exc))
    return redirect(group.get_absolute_url())


@require_POST
@members_only
def group_leave(request, slug):
    group = _group(request, slug)
    if services.leave(group=group, user=request.user):
        messages.success(request, _("Vous avez quitté le groupe « %(name)s ».") % {"name": group.name})
    return redirect(group.get_absolute_url())


@require_POST
@members_only
def group_invitation(request, slug):
    group = _group(request, slug)
    membership = get_object_or_404(Membership.objects.select_related("group__space"), group=group,
                                   user=request.user, status=MembershipStatus.INVITED)
    if request.POST.get("action") == "refuser":
        services.decline_invitation(membership=membership, user=request.user)
        messages.success(request, _("Invitation déclinée."))
    else:
        try:
            services.accept_invitation(membership=membership, user=request.user)
        except PermissionDenied as exc:
            messages.error(request, _error(exc))
        else:
            messages.success(request, _("Bienvenue dans le groupe « %(name)s » !") % {"name": group.name})
    if request.POST.get("retour") == "mon-espace":
        return redirect("accounts:dashboard")
    return redirect(group.get_absolute_url())


MANAGE_ACTIONS = {
    "accepter": (lambda m, by: services.accept_request(membership=m, by=by), _("Demande acceptée.")),
    "refuser": (lambda m, by: services.refuse_request(membership=m, by=by), _("Demande refusée.")),
    "retirer": (lambda m, by: services.remove_member(membership=m, by=by), _("Le membre est retiré du groupe.")),
    "promouvoir": (lambda m, by: services.set_role(membership=m, role=Role.COORDINATOR, by=by),
                   _("Le membre est désormais coordinateur du groupe.")),
    "retrograder": (lambda m, by: services.set_role(membership=m, role=Role.MEMBER, by=by),
                    _("Le membre n'est plus coordinateur du groupe.")),
}


def _int(value) -> int | None:
    value = value or ""
    return int(value) if value.isascii() and value.isdigit() else None  # isdigit() alone accepts "²"


@require_http_methods(["GET", "POST"])
@members_only
def group_manage(request, slug):
    user = request.user
    group = _group(request, slug)
    if not _can_manage(user, group):
        raise PermissionDenied(_("Page réservée aux coordinateurs du groupe et à l'équipe d'animation."))
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "inviter":
                invited = get_object_or_404(services.members_queryset(), pk=_int(request.POST.get("membre")))
                services.invite(group=group, by=user, user=invited)
                messages.success(request, _("%(name)s est invité(e) : l'invitation apparaît dans son espace.")
                                 % {"name": invited.public_name})
            elif action in MANAGE_ACTIONS:
                membership = get_object_or_404(Membership.objects.select_related("user", "group__space"),
                                               pk=_int(request.POST.get("adhesion")), group=group)
                fn, done = MANAGE_ACTIONS[action]
                fn(membership, user)
                messages.success(request, done)
            else:
                messages.error(request, _("Action inconnue."))
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, _error(exc))
        return redirect("groups:manage", slug=group.slug)

    memberships = list(Membership.objects.filter(group=group).select_related("user__region")
                       .order_by("-role", "user__display_name", "pk"))
    search = InviteSearchForm(request.GET or None)
    candidates = []
    if search.is_bound and search.is_valid() and search.cleaned_data["q"]:
        q = search.cleaned_data["q"].replace("\x00", "")
        candidates = list(services.members_queryset()
                          .filter(Q(display_name__icontains=q) | Q(organisation__icontains=q))
                          .exclude(regional_memberships__group=group)
                          .select_related("region").order_by("display_name")[:INVITE_RESULTS])
    return render(request, "groups/manage.html", {
        "group": group,
        "requests": [m for m in memberships if m.status == MembershipStatus.REQUESTED],
        "members": [m for m in memberships if m.status == MembershipStatus.ACTIVE],
        "invitations": [m for m in memberships if m.status == MembershipStatus.INVITED],
        "search": search,
        "candidates": candidates,
        "is_global_moderator": user.is_moderator,
    })


@require_http_methods(["GET", "POST"])
@members_only
def group_announce(request, slug):
    user = request.user
    group = _group(request, slug)
    if not _can_manage(user, group):
        raise PermissionDenied(_("Page réservée aux coordinateurs du groupe et à l'équipe d'animation."))
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.post_announcement(group=group, author=user, title=form.cleaned_data["title"],
                                                body=form.cleaned_data["body"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error(None, _error(exc))
        else:
            messages.success(request, _("L'annonce est publiée et envoyée aux membres du groupe."))
            return redirect(thread.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "groups/announce.html", {"group": group, "form": form}, status=status)
