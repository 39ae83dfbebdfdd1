from django.db import models
from django.utils.translation import gettext_lazy as _


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("En attente de validation")
    APPROVED = "approved", _("Validé")
    REJECTED = "rejected", _("Refusé")


class Role(models.TextChoices):
    """Roles of the exchange format; each maps to a Django group (see GROUPS)."""

    MEMBER = "member", _("Membre")
    MODERATOR = "moderator", _("Modérateur")


MODERATORS_GROUP = "Modérateurs"
