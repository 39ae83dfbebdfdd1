"""A member chooser for the Wagtail admin.

Foreign keys to the user model (a resource's author, an event's organiser...) would otherwise be
plain ``<select>`` elements listing every account: with thousands of members the edit page grows by
hundreds of kilobytes and nobody can find a name in it. Registering this chooser replaces that
widget, for every model, with Wagtail's chooser modal: a paginated list of approved members,
searchable by name, e-mail address or organisation."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from .enums import MembershipStatus


class MemberSearchForm(BaseFilterForm):
    q = forms.CharField(label=_("Nom, e-mail ou structure"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("Rechercher un membre")}))

    def filter(self, objects):
        objects = super().filter(objects)
        query = (self.cleaned_data.get("q") or "").replace("\x00", "").strip()
        if query:
            objects = objects.filter(
                Q(display_name__icontains=query) | Q(email__icontains=query) | Q(organisation__icontains=query)
            )
            self.is_searching = True
            self.search_query = query
        return objects


class MemberColumnsMixin:
    filter_form_class = MemberSearchForm

    @property
    def columns(self):
        return [
            self.title_column,
            Column("email", label=_("Adresse e-mail"), accessor="email"),
            Column("organisation", label=_("Structure"), accessor="organisation"),
            Column("region", label=_("Région"), accessor="region"),
        ]


class MemberChooseView(MemberColumnsMixin, ChooseView):
    pass


class MemberChooseResultsView(MemberColumnsMixin, ChooseResultsView):
    pass


class MemberChooserViewSet(ChooserViewSet):
    model = get_user_model()
    icon = "user"
    choose_one_text = _("Choisir un membre")
    choose_another_text = _("Choisir un autre membre")
    edit_item_text = _("Modifier")
    page_title = _("Choisir un membre")
    per_page = 20
    choose_view_class = MemberChooseView
    choose_results_view_class = MemberChooseResultsView

    def get_object_list(self):
        return (
            get_user_model().objects.filter(status=MembershipStatus.APPROVED, deleted_at__isnull=True, is_active=True)
            .select_related("region")
            .order_by("display_name", "pk")
        )


member_chooser_viewset = MemberChooserViewSet("membres_chooser", url_prefix="membres/choisir")
