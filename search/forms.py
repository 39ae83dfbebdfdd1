"""The search parameters, shared by the page, the JSON API and the header box."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .labels import DATE_RANGES
from .query import MAX_QUERY_LENGTH
from .searcher import FACET_GROUPS, RECENT, RELEVANCE, Filters

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MAX_PAGE = 1000


class SlugListField(forms.MultipleChoiceField):
    """Any number of slugs (the facet values); unknown slugs simply match nothing."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid_choice": _("« %(value)s » n'est pas une valeur de filtre valide.")}

    def valid_value(self, value):
        return bool(SLUG_RE.match(str(value)))

    def validate(self, value):
        super().validate(value)
        if len(value) > 20:
            raise forms.ValidationError(_("Trop de valeurs pour ce filtre (20 au plus)."), code="too_many")


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Rechercher"), required=False, max_length=MAX_QUERY_LENGTH, strip=True,
        error_messages={"max_length": _("La recherche est trop longue (%(limit_value)d caractères au plus).")},
    )
    kind = SlugListField(label=_("Type de contenu"), required=False)
    theme = SlugListField(label=_("Thème"), required=False)
    audience = SlugListField(label=_("Public"), required=False)
    service_level = SlugListField(label=_("Niveau de service"), required=False)
    region = SlugListField(label=_("Région"), required=False)
    date = forms.ChoiceField(
        label=_("Date de publication"), required=False,
        choices=[("", "")] + [(k, v[0]) for k, v in DATE_RANGES.items()],
        error_messages={"invalid_choice": _("Période inconnue : choisissez mois, annee ou ancien.")},
    )
    sort = forms.ChoiceField(
        label=_("Trier par"), required=False, choices=[(RELEVANCE, _("Pertinence")), (RECENT, _("Les plus récents"))],
        error_messages={"invalid_choice": _("Tri inconnu : choisissez pertinence ou recent.")},
    )
    page = forms.IntegerField(
        label=_("Page"), required=False, min_value=1, max_value=MAX_PAGE,
        error_messages={
            "invalid": _("Le numéro de page doit être un nombre entier."),
            "min_value": _("Le numéro de page doit être supérieur ou égal à 1."),
            "max_value": _("Le numéro de page doit être inférieur ou égal à %(limit_value)s."),
        },
    )

    def filters(self) -> Filters:
        data = self.cleaned_data
        values = {group: list(dict.fromkeys(data.get(group) or [])) for group in FACET_GROUPS if group != "date"}
        values["date"] = [data["date"]] if data.get("date") else []
        return Filters(values)

    def error_message(self) -> str:
        """All errors in one French sentence per field (for the JSON API)."""
        return " ".join(f"{self.fields[name].label} : {' '.join(errors)}" for name, errors in self.errors.items())
