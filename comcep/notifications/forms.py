from django import forms
from django.utils.translation import gettext_lazy as _

from .enums import Frequency
from .services import Kind, Preferences, registered_kinds


class PreferencesForm(forms.Form):
    """One frequency per registered kind, plus the global "no e-mail" switch."""

    emails_disabled = forms.BooleanField(
        label=_("Ne plus recevoir d'e-mails"),
        required=False,
        help_text=_("Vous gardez les notifications dans le site ; aucun e-mail ne vous est envoyé."),
    )

    def __init__(self, *args, preferences: Preferences, kinds: list[Kind] | None = None, **kwargs):
        """``kinds``: those the member may receive (``services.kinds_for``); every registered kind by default."""
        super().__init__(*args, **kwargs)
        self.kinds = registered_kinds() if kinds is None else kinds
        self.fields["emails_disabled"].initial = preferences.emails_disabled
        for kind in self.kinds:
            self.fields[self.field_name(kind.slug)] = forms.ChoiceField(
                label=kind.label,
                choices=Frequency.choices,
                initial=preferences.frequencies.get(kind.slug, kind.default_frequency),
                help_text=kind.description,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def field_name(slug: str) -> str:
        return f"kind_{slug}"

    def kind_fields(self):
        return [self[self.field_name(kind.slug)] for kind in self.kinds]

    def frequencies(self) -> dict[str, str]:
        return {kind.slug: self.cleaned_data[self.field_name(kind.slug)] for kind in self.kinds}
