from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "comcep.directory"
    label = "directory"
    verbose_name = _("Annuaire des membres")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from comcep.accounts import gdpr
        from comcep.accounts.member_area import Panel, register_panel

        from . import gdpr as directory_gdpr
        from .views import panel_context

        register_panel(Panel("annuaire", _("Annuaire des membres"), "directory/panel.html",
                             context=panel_context, order=15))
        gdpr.register_exporter("directory_profile", directory_gdpr.export_profile)
        gdpr.register_anonymiser(directory_gdpr.anonymise)

        from . import signals

        signals.connect()

        from comcep.core import exchange

        from .exchange import DirectorySection

        exchange.register(DirectorySection())

        from search.registry import register as register_indexer
        from search.registry import register_entry_kind

        from .search import DirectoryProfileIndexer

        register_indexer(DirectoryProfileIndexer())
        register_entry_kind("member", _("Membre (annuaire)"))
