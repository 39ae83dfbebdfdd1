"""The member directory: an opt-in profile next to the account (docs/directory.md)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from comcep.accounts.enums import MembershipStatus

PRESENTATION_MAX_LENGTH = 600


class DirectoryProfileQuerySet(models.QuerySet):
    def listed(self):
        """Profiles shown in the directory: opted in, account active, approved and not deleted."""
        return self.filter(
            listed=True,
            user__is_active=True,
            user__status=MembershipStatus.APPROVED,
            user__deleted_at__isnull=True,
        )

    def for_listing(self):
        return self.select_related("user__operator", "user__region").prefetch_related("themes")


class DirectoryProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("membre"), on_delete=models.CASCADE,
                                related_name="directory_profile")
    listed = models.BooleanField(_("figurer dans l'annuaire"), default=False, db_index=True)
    themes = models.ManyToManyField("taxonomy.Theme", verbose_name=_("thèmes d'expertise"), blank=True,
                                    related_name="+")
    presentation = models.TextField(_("présentation"), max_length=PRESENTATION_MAX_LENGTH, blank=True)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    objects = DirectoryProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("fiche d'annuaire")
        verbose_name_plural = _("fiches d'annuaire")

    def __str__(self):
        return str(self.user)
