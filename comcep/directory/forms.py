from django import forms
from django.utils.translation import gettext_lazy as _

from comcep.core.fragments import form_fragment_parts
from comcep.taxonomy import options
from comcep.taxonomy.models import Operator, Region, Theme

from .models import PRESENTATION_MAX_LENGTH, DirectoryProfile


class ProfileForm(forms.ModelForm):
    class Meta:
        model = DirectoryProfile
        fields = ["listed", "themes", "presentation"]
        labels = {
            "listed": _("Je souhaite figurer dans l'annuaire des membres"),
            "themes": _("Mes thèmes d'expertise"),
            "presentation": _("Ma présentation"),
        }
        help_texts = {
            "listed": _("Les membres validés verront alors votre nom, votre structure, votre opérateur, votre région, "
                        "vos thèmes et votre présentation. Vous pouvez vous retirer à tout moment."),
            "presentation": _("Texte simple, %(max)s caractères au maximum.") % {"max": PRESENTATION_MAX_LENGTH},
        }
        widgets = {
            "themes": forms.CheckboxSelectMultiple,
            "presentation": forms.Textarea(attrs={"rows": 5, "maxlength": PRESENTATION_MAX_LENGTH}),
        }
        error_messages = {
            "presentation": {
                "max_length": _("La présentation ne doit pas dépasser %(limit_value)d caractères "
                                "(actuellement %(show_value)d)."),
            },
            "themes": {"invalid_choice": _("Ce thème n'existe pas.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = Theme.objects.all()


class DirectoryFilterForm(forms.Form):
    """The directory's filters (GET). Invalid values are ignored, never an error page."""

    q = forms.CharField(label=_("Nom ou structure"), required=False, max_length=100)
    region = forms.ModelChoiceField(label=_("Région"), required=False, to_field_name="slug",
                                    queryset=Region.objects.all(), empty_label=_("Toutes les régions"))
    operateur = forms.ModelChoiceField(label=_("Opérateur"), required=False, to_field_name="slug",
                                       queryset=Operator.objects.all(),
                                       empty_label=_("Tous les opérateurs"))
    theme = forms.ModelChoiceField(label=_("Thème d'expertise"), required=False, to_field_name="slug",
                                   queryset=Theme.objects.all(), empty_label=_("Tous les thèmes"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The options as (slug, name) rows, kept per process (the widget's own rendering would read the querysets):
        # they key the form's cached rendering (``fragment_parts``); validation still reads the querysets.
        for name, rows in (("region", options.regions), ("operateur", options.operators), ("theme", options.themes)):
            field = self.fields[name]
            field.choices = [("", field.empty_label), *rows()]

    def fragment_parts(self) -> tuple:
        """Everything the rendered form depends on: the shown values, the errors and the options."""
        return form_fragment_parts(self)

    def filters(self) -> dict:
        """The valid filters only (an unknown slug is dropped rather than failing the page)."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}
