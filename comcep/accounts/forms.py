from django import forms
from django.utils.translation import gettext_lazy as _

from comcep.taxonomy.models import Operator, Region


class SignupProfileForm(forms.Form):
    """Extra fields of allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(label=_("Nom affiché"), max_length=80)
    organisation = forms.CharField(label=_("Structure"), max_length=150)
    operator = forms.ModelChoiceField(label=_("Opérateur"), queryset=Operator.objects.all(), to_field_name="slug")
    region = forms.ModelChoiceField(label=_("Région"), queryset=Region.objects.all(), to_field_name="slug")

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"]
        user.organisation = self.cleaned_data["organisation"]
        user.operator = self.cleaned_data["operator"]
        user.region = self.cleaned_data["region"]
        user.save()
