from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MEMBER = "member", _("Membre")
    COORDINATOR = "coordinator", _("Coordinateur ou coordinatrice")


class MembershipStatus(models.TextChoices):
    REQUESTED = "requested", _("Demande en attente")
    INVITED = "invited", _("Invitation en attente")
    ACTIVE = "active", _("Membre du groupe")


# Prefix of the Django auth group behind each regional group (stable: built from the slug).
AUTH_GROUP_PREFIX = "Groupe régional : "
# Prefix of the forum space slug of each regional group.
SPACE_SLUG_PREFIX = "groupe-"
