"""A member chooser for the Wagtail admin.

Foreign keys to the user model (a resource's author, an event's organiser...) would otherwise be
plain ``<select>`` elements listing every account: with thousands of members the edit page grows by
hundreds of kilobytes and nobody can find a name in it. Registering this chooser replaces that
widget, for every model, with Wagtail's chooser modal: a paginated list of approved members,
searchable by name or organisation, and by e-mail address for moderators (the only admin users who see
members' addresses; the "Animateurs" choose a resource's author without them)."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from .enums import MembershipStatus


def _shows_emails(user) -> bool:
    """Members' addresses are for moderators: the other admin users (the "Animateurs", who choose a
    resource's author) choose by name and organisation."""
    from .admin_views import can_moderate

    return can_moderate(user)


class MemberSearchForm(BaseFilterForm):
    q = forms.CharField(label=_("Nom, e-mail ou structure"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("Rechercher un membre")}))

    def __init__(self, *args, search_emails=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.search_emails = search_emails
        if not search_emails:
            self.fields["q"].label = _("Nom ou structure")

    def filter(self, objects):
        objects = super().filter(objects)
        query = (self.cleaned_data.get("q") or "").replace("\x00", "").strip()
        if query:
            condition = Q(display_name__icontains=query) | Q(organisation__icontains=query)
            if self.search_emails:
                condition |= Q(email__icontains=query)
            objects = objects.filter(condition)
            self.is_searching = True
            self.search_query = query
        return objects


class MemberColumnsMixin:
    filter_form_class = MemberSearchForm

    def get_filter_form(self):
        return self.get_filter_form_class()(self.request.GET, search_emails=_shows_emails(self.request.user))

    @property
    def columns(self):
        shows_emails = _shows_emails(self.request.user)
        email = [Column("email", label=_("Adresse e-mail"), accessor="email")] if shows_emails else []
        return [
            self.title_column,
            *email,
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
