"""The member directory: an opt-in profile next to the account (docs/directory.md)."""

import unicodedata

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from comcep.accounts.enums import MembershipStatus

PRESENTATION_MAX_LENGTH = 600


def fold(text: str) -> str:
    """Lowercase, ligatures expanded, accents stripped: "Chloé Œuvre" -> "chloe oeuvre".
    The directory's search compares folded text on every database engine (see ``search_text``)."""
    text = (text or "").lower().replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def search_text_for(user) -> str:
    """What the directory's name/organisation search looks into, folded."""
    return fold(f"{user.display_name}\n{user.organisation}")


class DirectoryProfileQuerySet(models.QuerySet):
    def listed(self):
        """Profiles shown in the directory: opted in, account active, approved and not deleted."""
        return self.filter(
            listed=True,
            user__is_active=True,
            user__status=MembershipStatus.APPROVED,
            user__deleted_at__isnull=True,
        )

    def matching(self, query: str):
        """Accent- and case-insensitive search on display name and organisation: every word of
        ``query`` must appear (``search_text`` holds both, folded; a plain LIKE on every engine)."""
        qs = self
        for word in fold(query).split()[:10]:
            qs = qs.filter(search_text__contains=word)
        return qs

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
    # Denormalised, folded "display name + organisation" of the member (``search_text_for``), kept
    # up to date by services.save_profile and by the post_save receiver on the user (signals.py).
    search_text = models.TextField(_("texte de recherche"), blank=True, editable=False)

    objects = DirectoryProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("fiche d'annuaire")
        verbose_name_plural = _("fiches d'annuaire")

    def __str__(self):
        return str(self.user)

    def save(self, *args, **kwargs):
        # A derived column of this row (like a slug): always in step with the member's names.
        self.search_text = search_text_for(self.user)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)
