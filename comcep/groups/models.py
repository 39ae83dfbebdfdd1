"""Regional groups: a group of members in a region, with its own restricted forum space,
animated by "coordinateurs régionaux" (a role below moderator, limited to their group).

Invariants kept by ``comcep.groups.services`` (never by ``save()``):
- an ACTIVE membership ⇔ the user is in the group's Django auth group, so the forums'
  access rules (restricted spaces) and the search's access tokens follow membership;
- an ACTIVE COORDINATOR membership ⇔ the user is in ``space.moderators``, so the forums let
  them moderate inside that space only (forums.permissions.can_moderate).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import MembershipStatus, Role


class RegionalGroupQuerySet(models.QuerySet):
    def with_counts(self):
        return self.annotate(
            active_count=Count("memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE), distinct=True))

    def with_coordinators(self):
        coordinators = (Membership.objects.filter(status=MembershipStatus.ACTIVE, role=Role.COORDINATOR)
                        .select_related("user").order_by("user__display_name"))
        return self.prefetch_related(Prefetch("memberships", queryset=coordinators, to_attr="coordinator_memberships"))

    def with_my_membership(self, user):
        return self.with_membership_of(user.pk)

    def with_membership_of(self, user_id):
        """``my_status`` / ``my_role``: those of the membership of the user ``user_id`` (None if none)."""
        mine = Membership.objects.filter(group=OuterRef("pk"), user_id=user_id)
        return self.annotate(
            my_status=models.Subquery(mine.values("status")[:1]),
            my_role=models.Subquery(mine.values("role")[:1]),
        )

    def for_list(self, user_id):
        return (self.select_related("region", "space").with_counts().with_coordinators()
                .with_membership_of(user_id).order_by("region__name", "name"))


class RegionalGroup(models.Model):
    region = models.ForeignKey("taxonomy.Region", verbose_name=_("région"), on_delete=models.PROTECT,
                               related_name="regional_groups")
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True,
                            help_text=_("Utilisé dans l'adresse : /groupes/<identifiant>/ ; "
                                        "ne peut plus changer après la création."))
    name = models.CharField(_("nom"), max_length=120)
    description = models.TextField(_("présentation"), blank=True)
    auth_group = models.OneToOneField("auth.Group", on_delete=models.PROTECT, related_name="regional_group",
                                      editable=False)
    space = models.OneToOneField("forums.Space", verbose_name=_("espace d'échanges"), on_delete=models.PROTECT,
                                 related_name="regional_group", editable=False)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, editable=False)

    objects = RegionalGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("groupe régional")
        verbose_name_plural = _("groupes régionaux")
        ordering = ["region__name", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("groups:detail", kwargs={"slug": self.slug})

    @property
    def coordinators(self):
        memberships = getattr(self, "coordinator_memberships", None)
        if memberships is None:
            memberships = (self.memberships.filter(status=MembershipStatus.ACTIVE, role=Role.COORDINATOR)
                           .select_related("user").order_by("user__display_name"))
        return [m.user for m in memberships]


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=MembershipStatus.ACTIVE)

    def coordinators(self):
        return self.active().filter(role=Role.COORDINATOR)


class Membership(models.Model):
    group = models.ForeignKey(RegionalGroup, verbose_name=_("groupe"), on_delete=models.CASCADE,
                              related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("membre"), on_delete=models.CASCADE,
                             related_name="regional_memberships")
    role = models.CharField(_("rôle"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(_("état"), max_length=16, choices=MembershipStatus.choices)
    created_at = models.DateTimeField(_("demandé ou invité le"), default=timezone.now)
    decided_at = models.DateTimeField(_("accepté le"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("par"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("invité par"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("adhésion à un groupe")
        verbose_name_plural = _("adhésions aux groupes")
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="groups_membership_unique")]
        indexes = [models.Index(fields=["group", "status", "role"], name="groups_membership_status")]

    def __str__(self):
        return f"{self.user} – {self.group} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE

    @property
    def is_coordinator(self) -> bool:
        return self.is_active and self.role == Role.COORDINATOR


def is_coordinator_q(user) -> Exists:
    return Exists(Membership.objects.coordinators().filter(group=OuterRef("pk"), user_id=user.pk))
