"""Membership rules: the one place where approval, rejection, data export and account
deletion happen, with their side effects (e-mails after commit).

Other apps only read ``user.is_approved`` (approved and active): everything members
may do (members-only resources, forums, search of private content) hangs on it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from . import gdpr
from .enums import MembershipStatus
from .models import ApprovedDomain

logger = logging.getLogger(__name__)

DELETED_EMAIL_DOMAIN = "supprime.invalid"  # RFC 2606: .invalid never resolves, nothing is ever delivered


def _ensure_moderator(by) -> None:
    if by is not None and not (by.is_active and (by.is_superuser or by.has_perm("accounts.moderate_member"))):
        raise PermissionDenied


@transaction.atomic
def approve(user, by=None) -> None:
    """Approve a membership (``by`` is None for an automatic approval) and tell the member."""
    _ensure_moderator(by)
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.status == MembershipStatus.APPROVED or user.deleted_at:
        return
    if by is None and user.status != MembershipStatus.PENDING:
        return  # an automatic approval never overrides a moderator's refusal
    user.set_status(MembershipStatus.APPROVED, by=by)
    user.save(update_fields=["status", "status_changed_at", "status_changed_by", "rejection_reason",
                             "membership_withdrawn"])
    logger.info("membership approved", extra={"user_id": user.pk, "by": getattr(by, "pk", None)})
    _notify_member(user.pk)


@transaction.atomic
def reject(user, by, reason: str) -> None:
    """Reject a membership with a reason the member will read."""
    _ensure_moderator(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a rejection needs a reason")
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.deleted_at:
        return
    withdrawn = user.status == MembershipStatus.APPROVED  # a member's membership taken back, not a request refused
    user.set_status(MembershipStatus.REJECTED, by=by, reason=reason, withdrawn=withdrawn)
    user.save(update_fields=["status", "status_changed_at", "status_changed_by", "rejection_reason",
                             "membership_withdrawn"])
    logger.info("membership withdrawn" if withdrawn else "membership rejected",
                extra={"user_id": user.pk, "by": getattr(by, "pk", None)})
    _notify_member(user.pk, withdrawn=withdrawn)


def on_email_verified(user, email: str | None = None) -> None:
    """An address of ``user`` was just verified: approve at once if its domain is on the
    allow-list, otherwise put the pending member in the moderators' queue (they are
    told once, at the member's first verified address)."""
    if not user.is_pending or not user.is_active or user.deleted_at:
        return
    from allauth.account.models import EmailAddress

    email = email or user.email
    if ApprovedDomain.allows(email):
        approve(user, by=None)
        return
    other_verified = EmailAddress.objects.filter(user=user, verified=True).exclude(email__iexact=email).exists()
    if not other_verified:
        from .tasks import notify_moderators_of_request

        transaction.on_commit(lambda: notify_moderators_of_request.enqueue(user.pk))


def _notify_member(user_id: int, *, withdrawn: bool = False) -> None:
    from .tasks import send_membership_decision

    if withdrawn:
        transaction.on_commit(lambda: send_membership_decision.enqueue(user_id, withdrawn=True))
    else:
        transaction.on_commit(lambda: send_membership_decision.enqueue(user_id))


# --- Profile -------------------------------------------------------------------------------


def update_profile(user, *, display_name: str, organisation: str, operator, region) -> None:
    user.display_name = display_name
    user.organisation = organisation
    user.operator = operator
    user.region = region
    user.save(update_fields=["display_name", "organisation", "operator", "region"])


# --- GDPR ----------------------------------------------------------------------------------


def export_personal_data(user) -> dict[str, Any]:
    """Everything the site holds about ``user``: the profile, the e-mail addresses,
    two-factor methods (without secrets) and one key per registered exporter."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    def iso(value):
        return value.isoformat() if value else None

    data: dict[str, Any] = {
        "format": "comcep-personal-data/1",
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "email": user.email,
            "display_name": user.display_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "organisation": user.organisation,
            "operator": user.operator.slug if user.operator_id else None,
            "region": user.region.slug if user.region_id else None,
            "status": user.status,
            "rejection_reason": user.rejection_reason or None,
            "membership_withdrawn": user.membership_withdrawn,
            "date_joined": iso(user.date_joined),
            "last_login": iso(user.last_login),
            "status_changed_at": iso(user.status_changed_at),
            "groups": sorted(user.groups.values_list("name", flat=True)),
        },
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        ],
        "two_factor_methods": [
            {"type": a.type, "created_at": iso(a.created_at), "last_used_at": iso(a.last_used_at)}
            for a in Authenticator.objects.filter(user=user).order_by("created_at")
        ],
    }
    for key, exporter in sorted(gdpr.exporters().items()):
        data[key] = exporter(user)
    return data


#: Wagtail's audit log action of an erasure by an administrator (registered in wagtail_hooks).
ERASE_LOG_ACTION = "comcep.accounts.erase"


def can_erase_accounts(user) -> bool:
    """Who may erase someone else's account in the admin (right to erasure, RGPD art. 17): administrators
    only. Moderators suspend (untick « Actif »), which can be undone; an erasure cannot."""
    return bool(user.is_active and user.is_superuser)


@transaction.atomic
def delete_account(user, *, by=None) -> None:
    """Delete a member's account: registered anonymisers detach or anonymise their
    content, then the account is scrubbed (kept as an anonymous row so that content
    keeps an author, shown as "Membre supprimé"), and every session of it ends.

    ``by`` is None when members delete their own account (Mon espace); otherwise the administrator who
    erases it on the person's request: the same path, plus an entry in Wagtail's audit log that names the
    administrator and the account's number, never the person."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    if by is not None and (not can_erase_accounts(by) or by.pk == user.pk):
        raise PermissionDenied  # administrators erase others; one's own account goes through Mon espace
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    for anonymise in gdpr.anonymisers():
        anonymise(user)

    user_pk = str(user.pk)
    user.deleted_at = timezone.now()
    user.email = f"supprime-{uuid.uuid4().hex}@{DELETED_EMAIL_DOMAIN}"
    user.display_name = ""
    user.first_name = ""
    user.last_name = ""
    user.organisation = ""
    user.operator = None
    user.region = None
    user.rejection_reason = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    _end_sessions(user_pk)
    _scrub_admin_history(user)
    if by is not None:
        from wagtail.log_actions import log

        log(instance=user, action=ERASE_LOG_ACTION, user=by, title=user.public_name)  # "Membre supprimé"
    logger.info("account deleted", extra={"user_id": user.pk, "by": getattr(by, "pk", None)})


def _scrub_admin_history(user) -> None:
    """Wagtail's audit log labels each entry about the account with its name at the time (« Awa Diallo »,
    an edit in the member list or in Utilisateurs): the entries stay (who did what, when), the name goes."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ModelLogEntry

    from .models import Member

    types = ContentType.objects.get_for_models(type(user), Member, for_concrete_models=False).values()
    ModelLogEntry.objects.filter(content_type__in=list(types), object_id=str(user.pk)).update(
        label=user.public_name)


def _end_sessions(user_pk: str) -> None:
    """End every database session of the user (the default session engine)."""
    stale = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == user_pk:
            stale.append(session.pk)
    Session.objects.filter(pk__in=stale).delete()
