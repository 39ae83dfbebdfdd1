"""Core's place in the Wagtail admin: the operators' report "Tâches en échec" (superusers, menu
Rapports; comcep.core.admin_views)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from . import admin_views


class SuperusersMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_view_failed_tasks(request.user)


class FailedTasksViewSet(ViewSet):
    name = "failed_tasks"
    url_prefix = "taches-en-echec"
    icon = "warning"
    menu_label = _("Tâches en échec")
    menu_name = "failed-tasks"
    menu_order = 900
    menu_hook = "register_reports_menu_item"
    menu_item_class = SuperusersMenuItem

    def get_urlpatterns(self):
        return [
            path("", admin_views.FailedTasksView.as_view(), name="index"),
            path("<uuid:pk>/", admin_views.FailedTaskView.as_view(), name="detail"),
        ]


@hooks.register("register_admin_viewset")
def register_failed_tasks_viewset():
    return FailedTasksViewSet()
