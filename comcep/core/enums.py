"""Vocabularies shared by several apps."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    """Who may read a page: anyone (and search engines), or approved members only (and the
    facilitation team). Resources, events and news use it; the exchange format's `visibility`."""

    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Réservé aux membres")
