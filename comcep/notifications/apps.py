from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "comcep.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from comcep.accounts.gdpr import register_anonymiser, register_exporter
        from comcep.accounts.member_area import Panel, register_panel

        from . import panels, services

        register_exporter("notifications", services.export_user_data)
        register_anonymiser(services.anonymise_user)
        register_panel(
            Panel(
                key="notifications",
                title=_("Notifications"),
                template="notifications/panel.html",
                context=panels.panel_context,
                order=20,
            )
        )
