from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _index_page_factory():
    from .models import ResourceIndexPage

    return ResourceIndexPage(
        title="Ressources",
        intro=str(_("Fiches pratiques, outils, guides et modèles partagés par les conseillers en évolution "
                    "professionnelle.")),
    )


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Ressources")

    def ready(self):
        from comcep.core.seeding import register as register_seeder  # seed_bulk (issue 7)
        from resources.seeding import ResourceSeeder

        register_seeder(ResourceSeeder())
        from comcep.accounts import gdpr
        from comcep.accounts.member_area import Panel, register_panel
        from comcep.core import exchange, home
        from comcep.core.site_setup import register_section_page
        from comcep.directory.contributions import register as register_contributions
        from comcep.notifications.services import register_kind
        from search.registry import register as register_indexer
        from search.registry import register_entry_kind

        from . import gdpr as resources_gdpr
        from . import signals  # noqa: F401
        from .directory import credited_resources
        from .enums import ResourceKind
        from .exchange import ResourceSection
        from .member_area import bookmarks_panel_context, proposals_panel_context
        from .search import ResourceIndexer
        from .setup import on_post_migrate
        from .views import latest_resources_for_home

        register_section_page("ressources", _index_page_factory)
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="resources.moderation_setup")
        home.register("latest_resources", latest_resources_for_home)
        register_kind("resource-proposal", _("Suivi de mes propositions de ressources"),
                      description=_("Quand une ressource que vous avez proposée est publiée ou refusée."))
        exchange.register(ResourceSection())
        register_indexer(ResourceIndexer())
        register_entry_kind("resource", _("Ressource"), subkinds=ResourceKind.choices)  # the Type facet shows the kind
        register_panel(Panel("favoris", _("Mes favoris"), "resources/panels/bookmarks.html",
                             context=bookmarks_panel_context, order=20))
        register_panel(Panel("propositions", _("Mes propositions de ressources"),
                             "resources/panels/proposals.html", context=proposals_panel_context, order=30))
        gdpr.register_exporter("bookmarks", resources_gdpr.export_bookmarks)
        gdpr.register_exporter("useful_votes", resources_gdpr.export_useful_votes)
        gdpr.register_exporter("proposals", resources_gdpr.export_proposals)
        gdpr.register_exporter("authored_resources", resources_gdpr.export_authored_resources)
        gdpr.register_anonymiser(resources_gdpr.anonymise)
        register_contributions("resources", _("Ressources créditées"), credited_resources, order=10)

        from . import animation

        animation.register()  # figures of the animation dashboard
