from django import forms
from django.utils.translation import gettext_lazy as _

from comcep.core.ids import BoundedModelMultipleChoiceField
from comcep.core.markdown import visible_length

from .enums import ReportReason
from .services import SUBJECT_MAX_LENGTH, eligible_recipients, max_message_length, max_recipients

BODY_HELP = _("Markdown : **gras**, *italique*, listes avec « - », liens [texte](https://…), citations avec « > ». "
              "Ne citez aucune donnée personnelle d'un bénéficiaire.")


class BodyField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Votre message"))
        kwargs.setdefault("help_text", BODY_HELP)
        kwargs.setdefault("max_length", max_message_length())
        kwargs.setdefault("error_messages", {
            "required": _("Écrivez votre message."),
            "max_length": _("Le message est trop long (%(show_value)d caractères, %(limit_value)d au maximum)."),
        })
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 8}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value if visible_length(value) else self.empty_value  # only invisible characters: empty

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)  # the server reports an over-long draft instead of silently cutting it
        return attrs


def member_label(user) -> str:
    return f"{user.public_name} – {user.organisation}" if user.organisation else user.public_name


class RecipientsField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return member_label(obj)


class NewConversationForm(forms.Form):
    """Recipients are checkboxes: those already chosen plus the results of the server-side search
    (``q``, the "Chercher" button), so the form works without JavaScript. Validation accepts any
    eligible member; only the shown ones are rendered."""

    recipients = RecipientsField(
        label=_("Destinataires"), queryset=None, widget=forms.CheckboxSelectMultiple, required=False,
        error_messages={"invalid_choice": _("Ce membre ne peut pas recevoir vos messages."),
                        "invalid_pk_value": _("Destinataire inconnu.")},
    )
    q = forms.CharField(label=_("Chercher un membre (nom ou structure)"), required=False, max_length=80)
    subject = forms.CharField(label=_("Sujet"), max_length=SUBJECT_MAX_LENGTH, required=False,
                              error_messages={"max_length": _("Le sujet compte au plus %(limit_value)d caractères.")})
    body = BodyField(required=False)

    def __init__(self, *args, author, shown=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = eligible_recipients(author).order_by("display_name", "pk")
        self.fields["recipients"].help_text = _("Cochez un ou plusieurs membres (%(max)d au plus).") % {
            "max": max_recipients()}
        self.set_shown(shown)

    def set_shown(self, users) -> None:
        field = self.fields["recipients"]
        field.widget.choices = [(u.pk, member_label(u)) for u in users]


class ReplyForm(forms.Form):
    body = BodyField(label=_("Votre réponse"))


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("Motif du signalement"), choices=ReportReason.choices,
                               widget=forms.RadioSelect,
                               error_messages={"required": _("Choisissez un motif.")})
    comment = forms.CharField(label=_("Précisions (facultatif)"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
