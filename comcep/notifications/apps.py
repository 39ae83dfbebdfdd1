from functools import partial

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "comcep.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from comcep.accounts.gdpr import register_anonymiser, register_exporter
        from comcep.accounts.member_area import Panel, register_panel
        from comcep.core import chrome, sessionuser

        from . import panels, services
        from .templatetags.notifications_tags import UNREAD_LIMIT, cached_unread_count

        chrome.register_key_part(cached_unread_count)  # the header's bell (includes/header_tools.html)
        # The bell's count read with the session's user: one query fewer on every member page.
        sessionuser.register_annotation(
            services.UNREAD_ANNOTATION, partial(services.unread_count_expression, limit=UNREAD_LIMIT))

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
