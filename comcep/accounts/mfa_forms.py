"""allauth.mfa forms with the French labels allauth's own catalogue lacks (MFA_FORMS setting)."""

from allauth.mfa.webauthn import forms as webauthn_forms
from django.utils.translation import gettext_lazy as _

NAME_LABEL = _("Nom de la clé")
NAME_HELP = _("Pour reconnaître la clé parmi les vôtres, par exemple « Clé du bureau ».")


class AddWebAuthnForm(webauthn_forms.AddWebAuthnForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = NAME_LABEL
        self.fields["name"].help_text = NAME_HELP


class EditWebAuthnForm(webauthn_forms.EditWebAuthnForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = NAME_LABEL
        self.fields["name"].help_text = NAME_HELP
