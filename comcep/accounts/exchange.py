"""``members`` in the content exchange format (see docs/content-format.md).

Keys are lowercased e-mails. Members come from a trusted source: they are approved
and their address is a verified primary ``EmailAddress``; ``role: moderator`` puts
them in the "Modérateurs" group. Passwords are never imported: members set theirs
through "mot de passe oublié".

Deleted accounts (GDPR) are exported as ``{"email": "supprime-…@supprime.invalid", "deleted": true}``:
their posts stay on the site under "Membre supprimé", so a restore needs an author row for them;
the scrubbed account carries no personal data, and comes back deleted, inactive and without address."""

import json

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from comcep.core.exchange import ImportContext, Section, require_str, unknown
from comcep.taxonomy.models import Operator, Region

from .enums import MODERATORS_GROUP, MembershipStatus, Role
from .models import User
from .services import DELETED_EMAIL_DOMAIN

FIELDS = ("display_name", "organisation", "operator", "region", "role")


class MemberSection(Section):
    key = "members"
    order = 20

    def validate(self, items: list, ctx: ImportContext) -> None:
        operators = set(Operator.objects.values_list("slug", flat=True))
        regions = set(Region.objects.values_list("slug", flat=True))
        roles = set(Role.values)
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            path = f"members[{i}]"
            email = require_str(item, "email", path, ctx, max_length=254)
            if email is not None:
                email = email.strip().lower()
                try:
                    validate_email(email)
                except ValidationError:
                    shown = json.dumps(item["email"], ensure_ascii=False)
                    ctx.error(f"{path}.email", f"invalid e-mail address {shown}")
                else:
                    if email in seen:
                        ctx.error(f"{path}.email", f'duplicate e-mail "{email}" (already in members[{seen[email]}])')
                    else:
                        seen[email] = i
            if "deleted" in item:
                self._validate_deleted(item, path, email, ctx)
                continue
            # Accounts created outside the sign-up form (a bare createsuperuser) may have an empty
            # name or organisation and no operator: the keys are required, the values may be empty.
            for key, max_length in (("display_name", 80), ("organisation", 150)):
                if key not in item:
                    ctx.error(f"{path}.{key}", "missing (required)")
                elif not isinstance(item[key], str):
                    ctx.error(f"{path}.{key}", f"must be a string, got {type(item[key]).__name__}")
                elif len(item[key]) > max_length:
                    ctx.error(f"{path}.{key}", f"too long ({len(item[key])} characters, at most {max_length})")
            if "operator" not in item:
                ctx.error(f"{path}.operator", "missing (required; null for none)")
            operator = item.get("operator")
            if operator is not None and operator not in operators:
                ctx.error(f"{path}.operator", unknown("operator", operator, operators))
            if item.get("region") is not None and item["region"] not in regions:
                ctx.error(f"{path}.region", unknown("region", item["region"], regions))
            role = item.get("role", Role.MEMBER)
            if role not in roles:
                ctx.error(f"{path}.role", unknown("role", role, roles))
            extra = set(item) - {"email", *FIELDS}
            for key in sorted(extra):
                ctx.error(f"{path}.{key}", f"unknown field (known: email, {', '.join(FIELDS)})")
        ctx.known["members"] |= set(seen) | set(
            User.objects.filter(deleted_at__isnull=True).values_list("email", flat=True)
        )

    @staticmethod
    def _validate_deleted(item: dict, path: str, email: str | None, ctx: ImportContext) -> None:
        if item["deleted"] is not True:
            ctx.error(f"{path}.deleted", "must be true (leave it out for a member)")
        if email is not None and not email.endswith(f"@{DELETED_EMAIL_DOMAIN}"):
            ctx.error(f"{path}.email", f'a deleted account has an address "…@{DELETED_EMAIL_DOMAIN}"')
        for key in sorted(set(item) - {"email", "deleted"}):
            ctx.error(f"{path}.{key}", "unknown field for a deleted account (known: email, deleted)")

    def _apply_deleted(self, email: str, user, ctx: ImportContext) -> None:
        if user is None:
            user = User.objects.create_user(email=email, password=None, status=MembershipStatus.APPROVED,
                                            display_name="", organisation="", is_active=False,
                                            deleted_at=timezone.now())
            outcome = "created"
        else:
            outcome = "unchanged"  # an existing row: never reactivated nor scrubbed by an import
        ctx.objects["members"][email] = user
        ctx.count(self.key, outcome)

    def apply(self, items: list, ctx: ImportContext) -> None:
        from allauth.account.models import EmailAddress

        operators = {o.slug: o for o in Operator.objects.all()}
        regions = {r.slug: r for r in Region.objects.all()}
        moderators = Group.objects.get(name=MODERATORS_GROUP)
        emails = [item["email"].strip().lower() for item in items]
        existing = {u.email.lower(): u for u in User.objects.filter(email__in=emails).prefetch_related("groups")}
        for item, email in zip(items, emails, strict=True):
            if item.get("deleted"):
                self._apply_deleted(email, existing.get(email), ctx)
                continue
            values = {
                "display_name": item["display_name"],
                "organisation": item["organisation"],
                "operator": operators[item["operator"]] if item.get("operator") else None,
                "region": regions[item["region"]] if item.get("region") else None,
            }
            wants_moderator = item.get("role", Role.MEMBER) == Role.MODERATOR
            user = existing.get(email)
            if user is None:
                user = User.objects.create_user(email=email, password=None, status=MembershipStatus.APPROVED, **values)
                user.set_status(MembershipStatus.APPROVED)
                user.save(update_fields=["status_changed_at"])
                outcome = "created"
            else:
                changed = [k for k, v in values.items() if getattr(user, k) != v]
                if user.status != MembershipStatus.APPROVED:
                    user.set_status(MembershipStatus.APPROVED)
                    changed += ["status", "status_changed_at", "status_changed_by", "rejection_reason",
                                "membership_withdrawn"]
                for k in changed:
                    if k in values:
                        setattr(user, k, values[k])
                if changed:
                    user.save(update_fields=changed)
                outcome = "updated" if changed else "unchanged"
            is_moderator = any(g.name == MODERATORS_GROUP for g in user.groups.all()) if outcome != "created" else False
            if wants_moderator != is_moderator:
                (user.groups.add if wants_moderator else user.groups.remove)(moderators)
                outcome = "updated" if outcome == "unchanged" else outcome
            address, created = EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            if not created and not (address.verified and address.primary):
                address.verified = True
                address.primary = True
                address.save(update_fields=["verified", "primary"])
                EmailAddress.objects.filter(user=user).exclude(pk=address.pk).update(primary=False)
            ctx.objects["members"][email] = user
            ctx.count(self.key, outcome)

    def export(self) -> list:
        users = (
            User.objects.filter(deleted_at__isnull=True, is_active=True, status=MembershipStatus.APPROVED)
            .select_related("operator", "region")
            .prefetch_related("groups")
            .order_by("email")
        )
        return [
            {
                "email": u.email,
                "display_name": u.display_name,
                "organisation": u.organisation,
                "operator": u.operator.slug if u.operator_id else None,
                "region": u.region.slug if u.region_id else None,
                "role": Role.MODERATOR if any(g.name == MODERATORS_GROUP for g in u.groups.all()) else Role.MEMBER,
            }
            for u in users
        ] + [
            # Authors of content that stays on the site (forum posts): see the module docstring.
            {"email": email, "deleted": True}
            for email in User.objects.filter(deleted_at__isnull=False).order_by("email").values_list("email", flat=True)
        ]
