from django.db import models
from django.utils.translation import gettext_lazy as _


class GapStatus(models.TextChoices):
    OPEN = "open", _("À traiter")
    HANDLED = "handled", _("Traitée")


class SearchSource(models.TextChoices):
    HTML = "html", _("Page de recherche")
    API = "api", _("API")
