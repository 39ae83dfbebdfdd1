"""The CEP taxonomy in the Wagtail admin ("Taxonomie" menu), as snippets so that
pages and other models can choose terms. Moderators hold the model permissions
(accounts migration 0002); slugs are the stable keys of URLs and of the exchange format."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Audience, Operator, Region, ServiceLevel, Theme

SLUG_HELP = _("Identifiant stable utilisé dans les adresses et les fichiers d'import : évitez de le changer.")


class TermViewSet(SnippetViewSet):
    list_display = ["name", "slug", "sort_order"]
    search_fields = ["name", "slug"]
    search_backend_name = None
    ordering = ["sort_order", "name"]
    copy_view_enabled = False
    panels = [FieldPanel("name"), FieldPanel("slug", help_text=SLUG_HELP), FieldPanel("sort_order")]


class ThemeViewSet(TermViewSet):
    model = Theme
    icon = "tag"
    menu_label = _("Thèmes")
    list_display = ["name", "slug", Column("parent", label=_("Thème parent"), accessor="parent"), "sort_order"]
    list_filter = ["parent"]
    panels = [
        FieldPanel("name"),
        FieldPanel("slug", help_text=SLUG_HELP),
        FieldPanel("parent"),
        FieldPanel("description"),
        FieldPanel("sort_order"),
    ]

    def get_queryset(self, request):
        return Theme.objects.select_related("parent")


class AudienceViewSet(TermViewSet):
    model = Audience
    icon = "group"
    menu_label = _("Publics")


class ServiceLevelViewSet(TermViewSet):
    model = ServiceLevel
    icon = "list-ul"
    menu_label = _("Niveaux de service CEP")


class OperatorViewSet(TermViewSet):
    model = Operator
    icon = "site"
    menu_label = _("Opérateurs CEP")


class RegionViewSet(TermViewSet):
    model = Region
    icon = "globe"
    menu_label = _("Régions")


class TaxonomyGroup(SnippetViewSetGroup):
    menu_label = _("Taxonomie")
    menu_icon = "tag"
    menu_order = 160
    items = (ThemeViewSet, AudienceViewSet, ServiceLevelViewSet, OperatorViewSet, RegionViewSet)


register_snippet(TaxonomyGroup)
