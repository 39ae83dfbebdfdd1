from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "comcep.events"
    label = "events"
    verbose_name = _("Agenda")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from comcep.accounts.gdpr import register_anonymiser, register_exporter
        from comcep.core import exchange, home
        from comcep.core.site_setup import register_section_page

        from . import services
        from .exchange import EventSection
        from .home import upcoming_events

        register_section_page("agenda", _new_index_page)
        from django.db.models.signals import post_migrate

        from .setup import grant_moderator_permissions

        post_migrate.connect(grant_moderator_permissions, dispatch_uid="comcep.events.moderator_permissions")
        home.register("upcoming_events", upcoming_events)
        exchange.register(EventSection())
        register_exporter("event_registrations", services.export_member_registrations)
        register_exporter("organised_events", services.export_organised_events)
        register_anonymiser(services.anonymise_member)

        from wagtail.signals import page_published

        from search.registry import register as register_indexer
        from search.registry import register_entry_kind

        from .enums import EventKind
        from .models import EventPage
        from .search import EventIndexer

        register_indexer(EventIndexer())
        # The Type facet shows an event by its kind; its date in the results is the day it takes place.
        register_entry_kind("event", _("Événement"), date_label=_("Événement le"), subkinds=EventKind.choices)
        page_published.connect(services.on_event_published, sender=EventPage, dispatch_uid="events.cancelled")

        from comcep.accounts.member_area import Panel, register_panel

        from .member_area import my_events_context

        register_panel(Panel("events", _("Mes événements"), "events/member_panel.html",
                             context=my_events_context, order=40))


def _new_index_page():
    from .models import EventIndexPage

    return EventIndexPage(
        title=str(_("Agenda")),
        intro=str(_("<p>Webinaires, rencontres régionales, formations et ateliers du réseau des conseillers "
                    "en évolution professionnelle.</p>")),
    )
