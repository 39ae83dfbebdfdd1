from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "comcep.conversations"
    label = "conversations"
    verbose_name = _("Messages privés")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from comcep.accounts.gdpr import register_anonymiser, register_exporter
        from comcep.accounts.member_area import Panel, register_panel
        from comcep.core import exchange
        from comcep.notifications.services import register_kind

        from . import gdpr
        from .exchange import ConversationSection
        from .views import panel_context

        register_kind("message", _("Messages privés"),
                      description=_("Un membre vous écrit ou répond dans une de vos conversations."),
                      private_excerpt=True)  # others' messages are their data: not in my GDPR export
        register_panel(Panel("conversations", _("Messages privés"), "conversations/panel.html",
                             context=panel_context, order=25))
        register_exporter("conversations", gdpr.export_member_data)
        register_anonymiser(gdpr.anonymise_member)
        exchange.register(ConversationSection())

        from search.registry import register as register_indexer
        from search.registry import register_entry_kind

        from .search import ParticipantIndexer

        register_indexer(ParticipantIndexer())  # personal entries: the participant alone reads them
        register_entry_kind("conversation", _("Conversation privée"))

        from . import signals

        signals.connect()  # the partners' entries name each participant
