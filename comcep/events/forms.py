from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from comcep.taxonomy.models import Region, Theme

from .enums import EventKind


class EventFilterForm(forms.Form):
    """GET filters of the agenda (slugs in the query string: ?region=bretagne&type=webinaire&theme=vae)."""

    region = forms.ModelChoiceField(
        label=_("Région"), queryset=Region.objects.all(), to_field_name="slug", required=False,
        empty_label=_("Toutes les régions"),
    )
    type = forms.ChoiceField(
        label=_("Type"), choices=[("", _("Tous les types")), *EventKind.choices], required=False,
    )
    theme = forms.ModelChoiceField(
        label=_("Thème"), queryset=Theme.objects.all(), to_field_name="slug", required=False,
        empty_label=_("Tous les thèmes"),
    )

    def filter(self, events):
        """Apply the valid filters; an invalid value is reported next to its field and ignored."""
        if not self.is_bound:
            return events
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("region"):
            events = events.filter(region=data["region"])
        if data.get("type"):
            events = events.filter(kind=data["type"])
        theme = data.get("theme")
        if theme:
            from .models import EventPage

            through = EventPage.themes.through
            events = events.filter(
                pk__in=through.objects.filter(Q(theme=theme) | Q(theme__parent=theme))
                .values("eventpage_id")
            )
        return events
