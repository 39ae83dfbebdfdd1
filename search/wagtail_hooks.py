"""Search in the Wagtail admin: the moderators' report "Recherches sans résultat" (content
gaps, issue 9), in the "Rapports" menu."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from . import admin_views


class ModeratorsMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_view_gaps(request.user)


class SearchGapsViewSet(ViewSet):
    name = "search_gaps"
    url_prefix = "recherche/lacunes"
    icon = "search"
    menu_label = _("Recherches sans résultat")
    menu_name = "search-gaps"
    menu_order = 300
    menu_hook = "register_reports_menu_item"
    menu_item_class = ModeratorsMenuItem

    def get_urlpatterns(self):
        return [
            path("", admin_views.GapReportView.as_view(), name="index"),
            path("<str:pk>/recommander/", admin_views.RecommendView.as_view(), name="recommend"),
        ]


@hooks.register("register_admin_viewset")
def register_search_viewsets():
    return SearchGapsViewSet()
