from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    WEBINAR = "webinaire", _("Webinaire")
    REGIONAL_MEETING = "rencontre-regionale", _("Rencontre régionale")
    TRAINING = "formation", _("Formation")
    WORKSHOP = "atelier", _("Atelier")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Réservé aux membres")
