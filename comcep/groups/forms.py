from django import forms
from django.utils.translation import gettext_lazy as _


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Titre de l'annonce"), min_length=5, max_length=160)
    body = forms.CharField(label=_("Texte de l'annonce"), widget=forms.Textarea(attrs={"rows": 10}),
                           help_text=_("Markdown : **gras**, *italique*, listes, liens. L'annonce est épinglée "
                                       "dans l'espace du groupe et envoyée à tous ses membres."))


class InviteSearchForm(forms.Form):
    q = forms.CharField(label=_("Nom ou organisation du membre à inviter"), min_length=2, max_length=80,
                        required=False)
