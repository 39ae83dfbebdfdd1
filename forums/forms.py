from datetime import datetime, time

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import from_current_timezone
from django.utils.translation import gettext_lazy as _

from comcep.core.markdown import visible_length

from .enums import FlagReason
from .models import Space

BODY_HELP = _("Markdown : **gras**, *italique*, listes avec « - », liens [texte](https://…), citations avec « > ». "
              "Mentionnez un membre avec @ suivi de son nom affiché. Ne citez aucune donnée personnelle "
              "d'un bénéficiaire.")


def _max_length():
    return getattr(settings, "COMCEP_POST_MAX_LENGTH", 20_000)


class BodyField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Votre message"))
        kwargs.setdefault("help_text", BODY_HELP)
        kwargs.setdefault("max_length", _max_length())
        kwargs.setdefault("error_messages", {
            "required": _("Écrivez votre message."),
            "max_length": _("Le message est trop long (%(show_value)d caractères, %(limit_value)d au maximum)."),
        })
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 10, "class": "markdown-editor",
                                                          "data-forums-editor": ""}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value if visible_length(value) else self.empty_value  # only invisible characters: empty

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)  # the server reports an over-long draft instead of silently cutting it
        return attrs


class ReplyForm(forms.Form):
    body = BodyField(label=_("Votre réponse"))


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Titre de votre question"), min_length=5, max_length=160,
                            help_text=_("Une phrase qui résume la question, par exemple « VAE : quels délais "
                                        "pour la recevabilité ? »"),
                            error_messages={"required": _("Donnez un titre à votre question."),
                                            "min_length": _("Le titre doit compter au moins 5 caractères.")})
    body = BodyField()

    def clean_title(self):
        title = self.cleaned_data["title"]
        if visible_length(title) < 5:  # five zero-width spaces are five characters nobody sees
            raise ValidationError(self.fields["title"].error_messages["min_length"], code="min_length")
        return title


class DiscussForm(ThreadForm):
    space = forms.ModelChoiceField(label=_("Espace"), queryset=Space.objects.none(), empty_label=None)

    def __init__(self, *args, spaces=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = spaces if spaces is not None else Space.objects.none()
        self.order_fields(["space", "title", "body"])


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("Motif du signalement"), choices=FlagReason.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Précisions (facultatif)"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), max_length=300, required=False,
                             help_text=_("Consigné dans le journal de modération et, le cas échéant, "
                                         "communiqué à l'auteur."))


def queue_row(data) -> tuple[str, int | None]:
    """The input prefix and the id of the moderation queue's row a POST comes from (a report's row carries
    ``flag``, a pending post's row only ``post``), for ``inline_reason``; the id None when it is no id (ASCII
    digits only: ``isdigit()`` also accepts "²", which ``int()`` refuses)."""
    flag = str(data.get("flag", ""))
    prefix, value = ("motif-f", flag) if flag else ("motif-p", str(data.get("post", "")))
    return prefix, int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def inline_reason(data, *, prefix: str, pk) -> tuple[str | None, dict | None]:
    """The reason typed in one of the inline forms of a moderation page (a queue's row, the lifting of a
    suspension), whose input is ``templates/forums/includes/reason_input.html``: ``(reason, None)``, or
    ``(None, error)`` when it is refused (longer than its 300-character column; NULs are dropped): the view
    shows the page again with a 400 and ``error`` as ``reason_error``, i.e. the error next to that input and
    what was typed in it. Never cut: a reason cut without a word would tell the member or the log something else."""
    typed = str(data.get("reason", "")).replace("\x00", "")  # NUL: no one types it, PostgreSQL refuses it
    form = ReasonForm({"reason": typed})
    if form.is_valid():
        return form.cleaned_data["reason"], None
    return None, {"prefix": prefix, "pk": pk, "value": typed, "errors": form.errors["reason"]}


class RequiredReasonForm(ReasonForm):
    reason = forms.CharField(label=_("Motif"), max_length=300,
                             error_messages={"required": _("Indiquez le motif.")},
                             help_text=ReasonForm.base_fields["reason"].help_text)


class MoveForm(ReasonForm):
    space = forms.ModelChoiceField(label=_("Déplacer vers l'espace"), queryset=Space.objects.order_by("title"),
                                   empty_label=None)


SUSPENSION_END_HELP = _("Au format JJ/MM/AAAA HH:MM, ou JJ/MM/AAAA seul : la suspension dure alors jusqu'à la fin "
                        "de ce jour. Laisser vide pour une suspension sans date de fin.")


class SuspensionEndField(forms.DateTimeField):
    """The end of a suspension. A date alone ("15/12/2026", "2026-12-15") means through the end of that day
    (23:59:59.999999, local time), as a moderator writing "jusqu'au 15 décembre" means it; Django's
    DateTimeField would read it as midnight at the *start* of the day, a day short (and "today" as already
    over). A date with a time is kept as entered."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                day = forms.DateField().to_python(value.strip())
            except ValidationError:
                day = None  # not a date alone: a date and a time, or invalid (DateTimeField says which)
            if day is not None:
                return from_current_timezone(datetime.combine(day, time.max))
        return super().to_python(value)


class SuspendForm(RequiredReasonForm):
    suspended_until = SuspensionEndField(label=_("Suspendu jusqu'au"), required=False, help_text=SUSPENSION_END_HELP)
