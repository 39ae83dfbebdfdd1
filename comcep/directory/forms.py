from django import forms
from django.utils.translation import gettext_lazy as _

from comcep.core.fragments import form_fragment_parts
from comcep.core.ids import BoundedModelMultipleChoiceField
from comcep.taxonomy import options
from comcep.taxonomy.models import Theme

from .models import PRESENTATION_MAX_LENGTH, DirectoryProfile


class ProfileForm(forms.ModelForm):
    class Meta:
        model = DirectoryProfile
        fields = ["listed", "themes", "presentation"]
        field_classes = {"themes": BoundedModelMultipleChoiceField}
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
    """The directory's filters (GET). An invalid value is reported next to its field and ignored, never an error
    page.

    The region, operator and theme are chosen among the taxonomy's options (``comcep.taxonomy.options``, kept per
    process): neither validating a slug nor rendering the form reads the database."""

    #: Field name -> the options' kind (taxonomy.options) and the empty choice's label.
    TERMS = {"region": ("regions", _("Toutes les régions")), "operateur": ("operators", _("Tous les opérateurs")),
             "theme": ("themes", _("Tous les thèmes"))}
    # The error names no value (a ModelChoiceField's, as the agenda's theme).
    _INVALID = {"invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]}

    q = forms.CharField(label=_("Nom ou structure"), required=False, max_length=100)
    region = forms.ChoiceField(label=_("Région"), required=False, error_messages=_INVALID)
    operateur = forms.ChoiceField(label=_("Opérateur"), required=False, error_messages=_INVALID)
    theme = forms.ChoiceField(label=_("Thème d'expertise"), required=False, error_messages=_INVALID)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The options as (slug, name) rows: they key the form's cached rendering (``fragment_parts``).
        for name, (kind, empty_label) in self.TERMS.items():
            self.fields[name].choices = [("", empty_label), *getattr(options, kind)()]

    def fragment_parts(self) -> tuple:
        """Everything the rendered form depends on: the shown values, the errors and the options."""
        return form_fragment_parts(self)

    def filters(self) -> dict:
        """The valid filters only: ``q`` the text, the others the chosen term's id (an unknown slug is dropped
        rather than failing the page)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        filters = {"q": cleaned["q"]} if cleaned.get("q") else {}
        for name, (kind, _label) in self.TERMS.items():
            term = options.ids(kind).get(cleaned[name]) if cleaned.get(name) else None
            if term is not None:
                filters[name] = term
        return filters
