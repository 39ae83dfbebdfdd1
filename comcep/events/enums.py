from django.db import models
from django.utils.translation import gettext_lazy as _

from comcep.core.enums import Visibility  # noqa: F401  (one vocabulary for resources, events and news)


class EventKind(models.TextChoices):
    WEBINAR = "webinaire", _("Webinaire")
    REGIONAL_MEETING = "rencontre-regionale", _("Rencontre régionale")
    TRAINING = "formation", _("Formation")
    WORKSHOP = "atelier", _("Atelier")


