"""Every action on regional groups, one function each (permissions, writes, side effects).

Invariants (see models.py): an ACTIVE membership ⇔ the user is in the group's auth group
(forums access and search tokens follow); an ACTIVE COORDINATOR ⇔ the user is in
``space.moderators`` (moderation inside the group's space only). ``_sync`` is the one place
that applies them. Notifications are created inside the transaction (``notify`` sends the
e-mails after commit).

Roles: global moderators manage every group (and its coordinators) from the Wagtail admin
or the site; coordinators accept/refuse requests, invite, remove members, promote a member
to coordinator and post announcements in THEIR group; removing or demoting a coordinator is
left to the global moderators and to the coordinator themself (by leaving), so that two
coordinators cannot remove each other.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comcep.core.access import is_approved_member
from forums import services as forum_services
from forums.enums import RESERVED_SPACE_SLUGS, SpaceVisibility
from forums.models import Space

from .enums import AUTH_GROUP_PREFIX, SPACE_SLUG_PREFIX, MembershipStatus, Role
from .models import Membership, RegionalGroup

# --- The group's space in the forums admin ----------------------------------------------


def space_lock_reason(space) -> str | None:
    """Registered with forums.space_locks: a group's space is edited through its group."""
    name = RegionalGroup.objects.filter(space_id=space.pk).values_list("name", flat=True).first()
    if name is None:
        return None
    return _("Espace du groupe régional « %(name)s » : son titre, son identifiant, sa description et son accès "
             "suivent le groupe (menu Groupes régionaux).") % {"name": name}


# --- Permissions ------------------------------------------------------------------------


def can_use_groups(user) -> bool:
    return is_approved_member(user)


def is_coordinator(user, group: RegionalGroup) -> bool:
    if not can_use_groups(user):
        return False
    return Membership.objects.coordinators().filter(group=group, user_id=user.pk).exists()


def can_manage(user, group: RegionalGroup) -> bool:
    """Global moderators and the group's active coordinators (approved members)."""
    if not can_use_groups(user):
        return False
    return user.is_moderator or is_coordinator(user, group)


def ensure_can_manage(user, group: RegionalGroup) -> None:
    if not can_manage(user, group):
        raise PermissionDenied(_("Action réservée aux coordinateurs du groupe et à l'équipe d'animation."))


def _ensure_member_account(user) -> None:
    if not can_use_groups(user) or getattr(user, "deleted_at", None):
        raise PermissionDenied(_("Les groupes régionaux sont réservés aux membres validés."))


# --- Invariants -------------------------------------------------------------------------


def _sync(membership: Membership | None, *, user, group: RegionalGroup) -> None:
    """Apply the invariants for (user, group) after any change of their membership."""
    active = membership is not None and membership.status == MembershipStatus.ACTIVE
    coordinator = active and membership.role == Role.COORDINATOR
    if active:
        user.groups.add(group.auth_group_id)
    else:
        user.groups.remove(group.auth_group_id)
    if coordinator:
        group.space.moderators.add(user)
    else:
        group.space.moderators.remove(user)
    if not active:
        # Out of the group: what they were told about its space goes (bell, waiting e-mails and digests).
        forum_services.forget_space_notifications(user, group.space_id)


def space_slug_for(slug: str) -> str:
    return f"{SPACE_SLUG_PREFIX}{slug}"


def auth_group_name_for(slug: str) -> str:
    return f"{AUTH_GROUP_PREFIX}{slug}"


def check_new_slug(slug: str) -> str | None:
    """A French error for a slug that cannot be used for a new group, else None."""
    if not slug or slug != slugify(slug):
        return _("Identifiant invalide : lettres minuscules sans accents, chiffres et tirets.")
    if RegionalGroup.objects.filter(slug=slug).exists():
        return _("Un groupe utilise déjà cet identifiant.")
    space_slug = space_slug_for(slug)
    if space_slug in RESERVED_SPACE_SLUGS or Space.objects.filter(slug=space_slug).exists():
        return _("Un espace d'échanges « %(slug)s » existe déjà : choisissez un autre identifiant.") % {
            "slug": space_slug}
    if Group.objects.filter(name=auth_group_name_for(slug)).exists():
        return _("Un groupe d'utilisateurs porte déjà ce nom : choisissez un autre identifiant.")
    return None


# --- Groups (moderators) ----------------------------------------------------------------


@transaction.atomic
def create_group(*, region, slug: str, name: str, description: str = "", coordinators=(), by=None) -> RegionalGroup:
    """A group, its auth group and its restricted forum space (visible to the auth group only)."""
    error = check_new_slug(slug)
    if error:
        raise ValidationError({"slug": error})
    auth_group = Group.objects.create(name=auth_group_name_for(slug))
    space = Space.objects.create(slug=space_slug_for(slug), title=name, description=description,
                                 visibility=SpaceVisibility.GROUPS)
    space.groups.set([auth_group])
    group = RegionalGroup.objects.create(region=region, slug=slug, name=name, description=description,
                                         auth_group=auth_group, space=space)
    set_coordinators(group=group, users=coordinators, by=by)
    return group


@transaction.atomic
def update_group(*, group: RegionalGroup, region, name: str, description: str) -> RegionalGroup:
    group.region, group.name, group.description = region, name, description
    group.save(update_fields=["region", "name", "description"])
    Space.objects.filter(pk=group.space_id).update(title=name, description=description)
    return group


@transaction.atomic
def set_coordinators(*, group: RegionalGroup, users, by=None) -> None:
    """Exactly ``users`` are the group's coordinators (moderators' choice in the admin):
    they become active coordinators; former coordinators stay in the group as members."""
    wanted = {u.pk: u for u in users}
    now = timezone.now()
    for membership in Membership.objects.filter(group=group).select_related("user"):
        user = membership.user
        if user.pk in wanted:
            wanted.pop(user.pk)
            if membership.status != MembershipStatus.ACTIVE or membership.role != Role.COORDINATOR:
                membership.status, membership.role = MembershipStatus.ACTIVE, Role.COORDINATOR
                membership.decided_at, membership.decided_by = membership.decided_at or now, by
                membership.save()
                _sync(membership, user=user, group=group)
        elif membership.role == Role.COORDINATOR:
            membership.role = Role.MEMBER
            membership.save(update_fields=["role"])
            _sync(membership, user=user, group=group)
    for user in wanted.values():
        membership = Membership.objects.create(group=group, user=user, role=Role.COORDINATOR,
                                               status=MembershipStatus.ACTIVE, decided_at=now, decided_by=by)
        _sync(membership, user=user, group=group)


@transaction.atomic
def ensure_active(*, group: RegionalGroup, user, role: str = Role.MEMBER, by=None) -> bool:
    """Make ``user`` an active member (or coordinator) at once, without notification (imports,
    trusted callers). Never demotes a coordinator. Returns whether anything changed."""
    membership = Membership.objects.filter(group=group, user=user).first()
    if membership is None:
        membership = Membership.objects.create(group=group, user=user, role=role, status=MembershipStatus.ACTIVE,
                                               decided_at=timezone.now(), decided_by=by)
    elif membership.status != MembershipStatus.ACTIVE or (role == Role.COORDINATOR and membership.role != role):
        membership.status = MembershipStatus.ACTIVE
        membership.decided_at, membership.decided_by = membership.decided_at or timezone.now(), by
        if role == Role.COORDINATOR:
            membership.role = role
        membership.save()
    else:
        return False
    _sync(membership, user=user, group=group)
    return True


# --- Joining ----------------------------------------------------------------------------


def _notify(kind, recipients, **kwargs) -> int:
    from comcep.notifications.services import notify

    recipients = [r for r in recipients if r]
    return notify(kind, recipients, **kwargs) if recipients else 0


#: The notifications that ask for an answer: the coordinators' "X demande à rejoindre" and the member's
#: "X vous invite" (both about the membership; "groupe-adhesion" also names the "Bienvenue" of an accepted
#: request, about an active membership, which stays).
_ASKING_KINDS = ("groupe-demande", "groupe-adhesion")


def _withdraw_questions(memberships) -> None:
    """Delete the notifications of the requests and invitations among ``memberships`` (a queryset) that are
    answered or withdrawn now: they would still ask the coordinators (or the invited member) to answer what no
    longer waits, in the bell, the list and the digests still to send. One statement."""
    from comcep.notifications.services import withdraw_many

    withdraw_many(memberships.exclude(status=MembershipStatus.ACTIVE), kinds=_ASKING_KINDS)


def _manage_url(group) -> str:
    return reverse("groups:manage", kwargs={"slug": group.slug})


def _acting_coordinator_ids(group) -> list[int]:
    """The group's coordinators who may act: active coordinators whose account is an approved member's."""
    return list(Membership.objects.coordinators().filter(group=group, user__in=members_queryset())
                .values_list("user_id", flat=True))


def _request_deciders(group) -> list[int]:
    """Who is asked to decide a join request: the group's coordinators; when it has none who may act (the last
    one left, deleted their account or lost their membership), the global moderators, who manage every group
    (one more query only then). A request never waits unseen."""
    return _acting_coordinator_ids(group) or list(
        get_user_model().objects.moderators().values_list("pk", flat=True))


def tell_moderators_if_without_coordinator(groups, *, departed) -> int:
    """``departed`` was a coordinator of ``groups`` and no longer is (left, account deleted): each group left
    with no coordinator who may act is reported to the global moderators (kind ``groupe-sans-coordinateur``,
    with its pending requests, linking to its management page), so that they name one. Returns how many
    groups were reported."""
    reported = 0
    moderators = None
    for group in groups:
        if _acting_coordinator_ids(group):
            continue
        if moderators is None:
            moderators = list(get_user_model().objects.moderators().values_list("pk", flat=True))
        waiting = Membership.objects.filter(group=group, status=MembershipStatus.REQUESTED).count()
        excerpt = ngettext("%(count)d demande d'adhésion attend une réponse.",
                           "%(count)d demandes d'adhésion attendent une réponse.", waiting) % {"count": waiting}
        _notify("groupe-sans-coordinateur", moderators,
                title=_("Le groupe « %(group)s » n'a plus de coordinateur") % {"group": group.name},
                url=_manage_url(group), actor=departed,
                excerpt=(excerpt + " " if waiting else "") + _("Nommez un coordinateur depuis la gestion du groupe."),
                target=group)
        reported += 1
    return reported


@transaction.atomic
def request_join(*, group: RegionalGroup, user) -> Membership:
    """"Demander à rejoindre". An invited member joins at once; asking twice changes nothing."""
    _ensure_member_account(user)
    membership = Membership.objects.select_for_update().filter(group=group, user=user).first()
    if membership is not None:
        if membership.status == MembershipStatus.INVITED:
            return accept_invitation(membership=membership, user=user)
        return membership
    try:
        with transaction.atomic():
            membership = Membership.objects.create(group=group, user=user, status=MembershipStatus.REQUESTED)
    except IntegrityError:  # a double click raced us
        return Membership.objects.get(group=group, user=user)
    _notify("groupe-demande", _request_deciders(group),
            title=_("%(name)s demande à rejoindre le groupe « %(group)s »") % {"name": user.public_name,
                                                                               "group": group.name},
            url=_manage_url(group), actor=user, excerpt=user.organisation or "",
            target=membership, dedupe_key=f"groups.request.{membership.pk}")
    return membership


@transaction.atomic
def cancel_request(*, group: RegionalGroup, user) -> bool:
    request = Membership.objects.filter(group=group, user=user, status=MembershipStatus.REQUESTED)
    _withdraw_questions(request)
    deleted, _details = request.delete()
    return bool(deleted)


@transaction.atomic
def leave(*, group: RegionalGroup, user) -> bool:
    """Leave the group (or withdraw a request, or decline an invitation). The last coordinator leaving: the
    global moderators are told (``tell_moderators_if_without_coordinator``)."""
    _withdraw_questions(Membership.objects.filter(group=group, user=user))
    was_coordinator = Membership.objects.coordinators().filter(group=group, user=user).exists()
    deleted, _details = Membership.objects.filter(group=group, user=user).delete()
    _sync(None, user=user, group=group)
    if was_coordinator:
        tell_moderators_if_without_coordinator([group], departed=user)
    return bool(deleted)


@transaction.atomic
def accept_invitation(*, membership: Membership, user) -> Membership:
    if membership.user_id != user.pk or membership.status != MembershipStatus.INVITED:
        raise PermissionDenied(_("Cette invitation n'est pas (ou plus) valable."))
    _ensure_member_account(user)
    _withdraw_questions(Membership.objects.filter(pk=membership.pk))
    membership.status, membership.decided_at = MembershipStatus.ACTIVE, timezone.now()
    membership.decided_by = user
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    _sync(membership, user=user, group=membership.group)
    return membership


@transaction.atomic
def decline_invitation(*, membership: Membership, user) -> None:
    if membership.user_id != user.pk or membership.status != MembershipStatus.INVITED:
        raise PermissionDenied(_("Cette invitation n'est pas (ou plus) valable."))
    _withdraw_questions(Membership.objects.filter(pk=membership.pk))
    membership.delete()


# --- Coordination -----------------------------------------------------------------------


@transaction.atomic
def accept_request(*, membership: Membership, by) -> Membership:
    group = membership.group
    ensure_can_manage(by, group)
    if membership.status != MembershipStatus.REQUESTED:
        return membership
    _withdraw_questions(Membership.objects.filter(pk=membership.pk))
    membership.status, membership.decided_at, membership.decided_by = MembershipStatus.ACTIVE, timezone.now(), by
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    _sync(membership, user=membership.user, group=group)
    _notify("groupe-adhesion", [membership.user_id],
            title=_("Bienvenue dans le groupe « %(group)s »") % {"group": group.name},
            url=group.space.get_absolute_url(), actor=by,
            excerpt=_("Votre demande est acceptée : l'espace d'échanges du groupe vous est ouvert."),
            target=membership, dedupe_key=f"groups.accepted.{membership.pk}")
    return membership


@transaction.atomic
def refuse_request(*, membership: Membership, by) -> None:
    """The request is deleted (the member may ask again) and the member is told, without naming
    the coordinator who decided."""
    group = membership.group
    ensure_can_manage(by, group)
    if membership.status == MembershipStatus.REQUESTED:
        pk, user_id = membership.pk, membership.user_id
        _withdraw_questions(Membership.objects.filter(pk=pk))
        membership.delete()
        _notify("groupe-adhesion", [user_id],
                title=_("Votre demande pour rejoindre « %(group)s » n'a pas été acceptée") % {"group": group.name},
                url=group.get_absolute_url(),
                excerpt=_("Vous pouvez en parler à un coordinateur du groupe ou refaire une demande plus tard."),
                target=group, dedupe_key=f"groups.refused.{pk}")


@transaction.atomic
def invite(*, group: RegionalGroup, by, user) -> Membership:
    ensure_can_manage(by, group)
    if not can_use_groups(user) or user.deleted_at:
        raise ValidationError(_("Seuls les membres validés peuvent être invités."))
    membership = Membership.objects.select_for_update().filter(group=group, user=user).first()
    if membership is not None:
        if membership.status == MembershipStatus.REQUESTED:  # they asked already: accept
            return accept_request(membership=membership, by=by)
        if membership.status == MembershipStatus.ACTIVE:
            raise ValidationError(_("%(name)s fait déjà partie du groupe.") % {"name": user.public_name})
        return membership
    membership = Membership.objects.create(group=group, user=user, status=MembershipStatus.INVITED, invited_by=by)
    _notify("groupe-adhesion", [user.pk],
            title=_("%(name)s vous invite dans le groupe « %(group)s »") % {"name": by.public_name,
                                                                              "group": group.name},
            url=group.get_absolute_url(),
            actor=by, excerpt=group.description[:240], target=membership,
            dedupe_key=f"groups.invited.{membership.pk}")
    return membership


@transaction.atomic
def remove_member(*, membership: Membership, by) -> None:
    """A coordinator removes a member (or withdraws an invitation). Coordinators are removed
    by global moderators only (or leave by themselves)."""
    group = membership.group
    ensure_can_manage(by, group)
    if membership.user_id == by.pk:
        raise ValidationError(_("Pour quitter le groupe, utilisez « Quitter le groupe »."))
    if membership.is_coordinator and not by.is_moderator:
        raise PermissionDenied(_("Seule l'équipe d'animation peut retirer un coordinateur."))
    user = membership.user
    _withdraw_questions(Membership.objects.filter(pk=membership.pk))
    membership.delete()
    _sync(None, user=user, group=group)


@transaction.atomic
def set_role(*, membership: Membership, role: str, by) -> Membership:
    """Coordinators promote an active member; only global moderators demote a coordinator."""
    group = membership.group
    ensure_can_manage(by, group)
    if role not in Role.values:
        raise ValidationError(_("Rôle inconnu."))
    if membership.status != MembershipStatus.ACTIVE:
        raise ValidationError(_("Seul un membre du groupe peut devenir coordinateur."))
    if membership.role == role:
        return membership
    if role == Role.MEMBER and not by.is_moderator and membership.user_id != by.pk:
        raise PermissionDenied(_("Seule l'équipe d'animation peut retirer le rôle de coordinateur."))
    membership.role = role
    membership.save(update_fields=["role"])
    _sync(membership, user=membership.user, group=group)
    return membership


# --- Announcements ----------------------------------------------------------------------


@transaction.atomic
def post_announcement(*, group: RegionalGroup, author, title: str, body: str):
    """A pinned thread in the group's space, and an "annonce-groupe" notification (e-mail per
    each member's preference) to every active member of the group. The notification shares the
    thread's dedupe key, so members who follow the space do not also get "nouveau sujet"."""
    ensure_can_manage(author, group)
    space = Space.objects.get(pk=group.space_id)
    thread = forum_services.create_thread(space=space, author=author, title=title, body=body)
    forum_services.pin_thread(thread=thread, moderator=author, pinned=True, reason=_("Annonce du groupe"))
    members = list(Membership.objects.active().filter(group=group).values_list("user_id", flat=True))
    post = thread.posts.order_by("created_at", "pk").first()
    from comcep.core.markdown import html_to_text

    text = html_to_text(post.html) if post is not None else ""
    _notify("annonce-groupe", members,
            title=_("Annonce du groupe « %(group)s » : %(title)s") % {"group": group.name, "title": thread.title},
            url=thread.get_absolute_url(), actor=author, excerpt=text[:300], target=thread,
            dedupe_key=f"forums.thread.{thread.pk}")
    return thread


def members_queryset():
    return get_user_model().objects.approved().filter(deleted_at__isnull=True)
