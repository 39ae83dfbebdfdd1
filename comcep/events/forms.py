from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from comcep.core.fragments import form_fragment_parts
from comcep.taxonomy import options

from .enums import EventKind


class EventFilterForm(forms.Form):
    """GET filters of the agenda (slugs in the query string: ?region=bretagne&type=webinaire&theme=vae)."""

    NATIONAL = "national"

    # Like the theme below: a slug checked against the cached options, filtered by the region's id.
    region = forms.ChoiceField(label=_("Région"), required=False)
    type = forms.ChoiceField(
        label=_("Type"), choices=[("", _("Tous les types")), *EventKind.choices], required=False,
    )
    # A theme's slug, checked against the cached options (taxonomy.options) and filtered by the theme's id: no
    # statement. The error is the one a ModelChoiceField gave (it names no value).
    theme = forms.ChoiceField(
        label=_("Thème"), required=False,
        error_messages={"invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [
            ("", _("Toutes les régions")),
            (self.NATIONAL, _("Événements nationaux")),
            *options.regions(),
        ]
        # The theme options (taxonomy.options: the rows the widget would read while rendering: slug and
        # ``str(theme)``, the name, in the model's order), so that the listing can key the form's cached
        # rendering on them (EventIndexPage.listing).
        self.fields["theme"].choices = [("", _("Tous les thèmes")), *options.themes()]

    def fragment_parts(self) -> tuple:
        """Everything the rendered form depends on: the shown values, the errors and the options."""
        return form_fragment_parts(self)

    def has_filters(self) -> bool:
        """Whether the query string asks for a filter (valid or not: ``filter`` reports errors)."""
        return self.is_bound and any(self.data.get(name) for name in self.fields)

    def filter(self, events):
        """Apply the valid filters; an invalid value is reported next to its field and ignored."""
        if not self.is_bound:
            return events
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        region = data.get("region")
        if region == self.NATIONAL:
            events = events.filter(region__isnull=True)
        elif region and (region_id := options.ids("regions").get(region)) is not None:
            events = events.filter(region_id=region_id)  # by id, as the theme below: no join
        if data.get("type"):
            events = events.filter(kind=data["type"])
        theme = options.ids("themes").get(data["theme"]) if data.get("theme") else None
        if theme is not None:
            from .models import EventPage

            through = EventPage.themes.through
            events = events.filter(
                pk__in=through.objects.filter(Q(theme_id=theme) | Q(theme__parent_id=theme))
                .values("eventpage_id")
            )
        return events
