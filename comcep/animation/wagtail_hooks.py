"""Menu item and URLs of the animation dashboard (``/admin/animation/``), for the holders of
``animation.view_dashboard`` (the "Modérateurs" group, migration 0002) and administrators."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from .views import DashboardView, ExportView, can_view_dashboard


class DashboardMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_dashboard(request.user)


class DashboardViewSet(ViewSet):
    name = "animation_dashboard"
    url_prefix = "animation"
    icon = "table"
    menu_label = _("Animation")  # the sidebar cuts longer labels; the page keeps its full title
    menu_order = 150
    menu_item_class = DashboardMenuItem
    add_to_admin_menu = True

    def get_urlpatterns(self):
        return [
            path("", DashboardView.as_view(), name="index"),
            path("export/", ExportView.as_view(), name="export_all"),
            path("export/<slug:key>/", ExportView.as_view(), name="export"),
        ]


@hooks.register("register_admin_viewset")
def register_dashboard():
    return DashboardViewSet()
