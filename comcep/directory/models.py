"""The member directory: an opt-in profile next to the account (docs/directory.md)."""

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.utils.translation import gettext_lazy as _

from comcep.accounts.enums import MembershipStatus
from comcep.accounts.models import PUBLIC_NAME_FIELDS, public_name_from

PRESENTATION_MAX_LENGTH = 600


def fold(text: str) -> str:
    """Lowercase, ligatures expanded, accents stripped: "Chloé Œuvre" -> "chloe oeuvre".
    The directory's search compares folded text on every database engine (see ``search_text``)."""
    text = (text or "").lower().replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


MAX_SEARCH_WORDS = 10
#: The directory's order: by display name (``DirectoryProfile.sort_name`` copies it), then account.
DIRECTORY_ORDER = ("sort_name", "user_id")


def search_words(query: str) -> list[str]:
    """The words of the directory's name/organisation search, folded (at most ``MAX_SEARCH_WORDS``)."""
    return fold(query).split()[:MAX_SEARCH_WORDS]


def search_text_for(user) -> str:
    """What the directory's name/organisation search looks into, folded."""
    return fold(f"{user.display_name}\n{user.organisation}")


def account_may_appear(user) -> bool:
    """Whether the account may appear in the directory: active, approved and not deleted (the member's
    own choice, ``DirectoryProfile.listed``, is the other half of the rule)."""
    return bool(user.is_active and user.status == MembershipStatus.APPROVED and user.deleted_at is None)


def derived_from(user, *, listed: bool) -> dict:
    """The profile's columns that copy or derive from its account (``DirectoryProfile`` "Derived from the
    account"), for a profile whose member chose ``listed``."""
    return {
        "search_text": search_text_for(user),
        "sort_name": user.display_name,
        "region_id": user.region_id,
        "operator_id": user.operator_id,
        "shown": bool(listed) and account_may_appear(user),
    }


#: The account fields the derived columns and the search entry (search.py) read: a save of the user that
#: writes one of them refreshes the member's profile and entry (signals.py).
ACCOUNT_FIELDS = {"display_name", "organisation", "operator", "operator_id", "region", "region_id", "status",
                  "is_active", "deleted_at"}


@dataclass(slots=True)
class DirectoryCard:
    """What one card of the directory's list shows (templates/directory/includes/card.html)."""

    user_id: int
    name: str  # the member's public name
    organisation: str
    operator: str | None  # the account's operator's name
    region: str | None  # the account's region's name (None: national)
    themes: tuple[str, ...]  # the profile's themes' names, in the themes' order
    presentation: str
    fragment_key: str = ""  # set by the view (comcep.directory.views._card_fragment_key)

    @classmethod
    def from_rows(cls, rows) -> list["DirectoryCard"]:
        """The cards of ``DirectoryProfileQuerySet.card_rows`` rows, in their order (a profile's rows are
        consecutive: the order's first keys are the profile's)."""
        cards, last = [], None
        for pk, user_id, *name_parts, organisation, operator, region, presentation, theme in rows:
            if pk != last:
                last, themes = pk, []
                cards.append(cls(user_id=user_id, name=public_name_from(*name_parts), organisation=organisation,
                                 operator=operator, region=region, themes=themes, presentation=presentation))
            if theme is not None:
                themes.append(theme)
        for card in cards:
            card.themes = tuple(card.themes)
        return cards


class DirectoryProfileQuerySet(models.QuerySet):
    def listed(self):
        """Profiles shown in the directory: opted in, account active, approved and not deleted. Read from
        ``shown``, which holds exactly that rule (kept by ``DirectoryProfile.save`` and, for the account's
        half, by the user's ``post_save`` receiver), so that the list, its count and its filters are walked
        in the partial indexes of the profile table instead of joining every profile with its account."""
        return self.filter(shown=True)

    def filtered(self, *, words=(), region=None, operator=None, theme=None):
        """The list's filters (``DirectoryFilterForm``): every word in the folded name and organisation
        (``search_words``), the region's, operator's and theme's ids. Every value reaches the SQL as a plain query
        parameter (the words through ``Value``: the database escapes the LIKE pattern itself), so that the list's
        statements can be prepared (queries.py)."""
        qs = self
        for word in words:
            qs = qs.filter(search_text__contains=Value(word))
        if region is not None:
            qs = qs.filter(region_id=region)
        if operator is not None:
            qs = qs.filter(operator_id=operator)
        if theme is not None:
            qs = qs.filter(themes=theme)
        return qs

    def card_rows(self):
        """What ``DirectoryCard.from_rows`` reads, in directory order: one row per profile and theme (one row
        with no theme's name for a profile without themes), the themes in their order."""
        return self.order_by(*DIRECTORY_ORDER, "themes__sort_order", "themes__name", "themes__id").values_list(
            "pk", "user_id", *(f"user__{name}" for name in PUBLIC_NAME_FIELDS), "user__organisation",
            "user__operator__name", "user__region__name", "presentation", "themes__name",
        )

    def for_listing(self):
        return self.select_related("user__operator", "user__region").prefetch_related("themes")

    def in_directory_order(self):
        """The directory's order: by display name, then account (``sort_name`` copies the display name)."""
        return self.order_by(*DIRECTORY_ORDER)


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
    # Derived from the account (``derived_from``), kept by save() and by the user's post_save receiver
    # (signals.py, one UPDATE): whether the profile appears in the directory (``listed`` and the account
    # active, approved, not deleted), the display name it is sorted by, and the region and operator it is
    # filtered by. The partial indexes below serve the list, its count and those filters.
    shown = models.BooleanField(_("affichée dans l'annuaire"), default=False, editable=False)
    sort_name = models.CharField(_("nom pour le tri"), max_length=80, blank=True, editable=False)
    region = models.ForeignKey("taxonomy.Region", verbose_name=_("région"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+", editable=False, db_index=False)
    operator = models.ForeignKey("taxonomy.Operator", verbose_name=_("opérateur"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+", editable=False, db_index=False)

    objects = DirectoryProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("fiche d'annuaire")
        verbose_name_plural = _("fiches d'annuaire")
        indexes = [
            models.Index(fields=["sort_name", "user"], condition=models.Q(shown=True), name="directory_shown_name"),
            models.Index(fields=["region", "sort_name", "user"], condition=models.Q(shown=True),
                         name="directory_shown_region"),
            models.Index(fields=["operator", "sort_name", "user"], condition=models.Q(shown=True),
                         name="directory_shown_operator"),
        ]

    def __str__(self):
        return str(self.user)

    def save(self, *args, **kwargs):
        # Derived columns of this row (like a slug): always in step with the member's account and choice.
        for name, value in derived_from(self.user, listed=self.listed).items():
            setattr(self, name, value)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *DERIVED_FIELDS}
        super().save(*args, **kwargs)


DERIVED_FIELDS = ("search_text", "sort_name", "region", "operator", "shown")
