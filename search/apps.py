from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Recherche")

    def ready(self):
        from comcep.core import health

        from . import signals

        signals.connect()
        health.register("search", signals.engine_health)
