from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Recherche")

    def ready(self):
        from comcep.core.seeding import register as register_seeder  # seed_bulk (issue 7)
        from search.seeding import SearchSeeder

        register_seeder(SearchSeeder())
        from comcep.core import exchange

        from .exchange import SearchGapSection

        exchange.register(SearchGapSection())  # content gaps' decisions (issue 9)
        from . import animation

        animation.register()  # content gaps on the animation dashboard
        from comcep.core import health

        from . import engine, labels, permissions, signals

        engine.install_bulk_indexing()
        signals.connect()
        permissions.connect()  # cached readers: forgotten when a membership or a group changes
        labels.connect()  # cached top-level themes: forgotten when a theme changes
        health.register("search", signals.engine_health)
        from django.db.models.signals import post_migrate

        from . import pg_summary

        post_migrate.connect(pg_summary.after_migrate, sender=self)
