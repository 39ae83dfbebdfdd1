"""Wagtail admin: the registrations, read-only for moderators (cancelling goes through the
event page so that the member is told)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from .models import Registration


class RegistrationViewSet(ModelViewSet):
    model = Registration
    icon = "date"
    menu_label = _("Inscriptions")
    menu_order = 350
    add_to_admin_menu = True
    inspect_view_enabled = True
    list_display = ["user", "event", "created_at", "cancelled_at", "reminded_at"]
    list_filter = ["cancelled_at", "created_at"]
    list_export = ["event", "user", "created_at", "cancelled_at"]
    form_fields = ["cancelled_at"]
    ordering = ["-created_at"]
    search_fields = None
    list_per_page = 50

    def get_queryset(self, request):
        return Registration.objects.select_related("event", "user")


@hooks.register("register_admin_viewset")
def register_registration_viewset():
    return RegistrationViewSet("registrations")
