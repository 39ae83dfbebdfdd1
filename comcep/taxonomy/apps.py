from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "comcep.taxonomy"
    label = "taxonomy"
    verbose_name = _("Taxonomie CEP")

    def ready(self):
        from comcep.core import exchange

        from . import options
        from .exchange import ThemeSection

        exchange.register(ThemeSection())
        options.connect()
