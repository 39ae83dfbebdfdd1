from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Publicité ou spam")
    ABUSE = "abuse", _("Propos irrespectueux, injurieux ou harcèlement")
    PERSONAL_DATA = "personal_data", _("Données personnelles d'un bénéficiaire")
    OTHER = "other", _("Autre raison")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("À traiter")
    REMOVED = "removed", _("Message retiré")
    DISMISSED = "dismissed", _("Classé sans suite")
