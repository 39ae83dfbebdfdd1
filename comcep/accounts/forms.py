from django import forms
from django.utils.translation import gettext_lazy as _

from comcep.taxonomy.models import Operator, Region

from .models import User


def _profile_fields():
    return {
        "display_name": forms.CharField(
            label=_("Nom affiché"), max_length=80,
            help_text=_("Visible des autres membres, par exemple « Awa D. »."),
            widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        ),
        "organisation": forms.CharField(
            label=_("Structure"), max_length=150,
            help_text=_("Votre employeur ou votre agence, par exemple « Mission locale de Lyon »."),
            widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        ),
        "operator": forms.ModelChoiceField(
            label=_("Opérateur"), queryset=Operator.objects.all(), to_field_name="slug",
            empty_label=_("— Choisissez votre opérateur —"),
        ),
        "region": forms.ModelChoiceField(
            label=_("Région"), queryset=Region.objects.all(), to_field_name="slug",
            empty_label=_("— Choisissez votre région —"),
        ),
    }


class SignupProfileForm(forms.Form):
    """Extra fields of allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_profile_fields())

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"]
        user.organisation = self.cleaned_data["organisation"]
        user.operator = self.cleaned_data["operator"]
        user.region = self.cleaned_data["region"]
        user.save()


class ProfileForm(forms.ModelForm):
    """The member's own profile in "Mon espace". The e-mail address is changed through
    allauth's e-mail management (verification of the new address)."""

    class Meta:
        model = User
        fields = ["display_name", "organisation", "operator", "region"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_profile_fields())


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe actuel"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Pour confirmer qu'il s'agit bien de vous."),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Mot de passe incorrect."), code="invalid_password")
        return password


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Le motif est envoyé à la personne par e-mail : restez factuel et bienveillant."),
    )
