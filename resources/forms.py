from django import forms
from django.utils.translation import gettext_lazy as _

from comcep.taxonomy.models import Theme

from .enums import ResourceKind
from .uploads import FORMATS, validate_document_file

BODY_MAX_LENGTH = 30_000
SUMMARY_MAX_LENGTH = 600


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=200, min_length=5)
    kind = forms.ChoiceField(label=_("Type de ressource"), choices=ResourceKind.choices)
    summary = forms.CharField(
        label=_("Résumé"), max_length=SUMMARY_MAX_LENGTH, min_length=20, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Deux ou trois phrases : à quoi sert cette ressource, pour qui ?"),
    )
    body = forms.CharField(
        label=_("Contenu"), max_length=BODY_MAX_LENGTH, min_length=50, widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("Mise en forme Markdown : ## pour un intertitre, - pour une liste, **gras**, [lien](https://…). "
                    "Ne citez aucune donnée personnelle de bénéficiaire."),
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Thèmes"), queryset=Theme.objects.all(), widget=forms.CheckboxSelectMultiple, required=True,
        to_field_name="slug",
    )
    file = forms.FileField(
        label=_("Document joint (facultatif)"), required=False,
        help_text=_("PDF, DOCX, XLSX, PPTX, ODT, ODS ou ODP."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{ext}" for ext in FORMATS)}),
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            validate_document_file(upload)
        return upload
