from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumsConfig(AppConfig):
    name = "forums"
    verbose_name = _("Espaces d'échanges")

    def ready(self):
        from comcep.core.seeding import register as register_seeder  # seed_bulk (issue 7)
        from forums.seeding import ForumSeeder

        register_seeder(ForumSeeder())
        from comcep.accounts.gdpr import register_anonymiser, register_exporter
        from comcep.accounts.member_area import Panel, register_panel
        from comcep.core import exchange
        from comcep.notifications.services import register_kind

        from . import gdpr, panels
        from .exchange import SpaceSection, ThreadSection

        register_kind("reply", _("Réponses dans les sujets que je suis"),
                      description=_("Quelqu'un répond dans un sujet auquel vous êtes abonné(e)."))
        register_kind("mention", _("Mentions de mon nom"),
                      description=_("Quelqu'un vous mentionne avec @ dans un message."))
        register_kind("new_thread", _("Nouveaux sujets dans les espaces que je suis"), default_frequency="daily",
                      description=_("Un sujet est ouvert dans un espace auquel vous êtes abonné(e)."))
        register_kind("solved", _("Sujets résolus"),
                      description=_("Un sujet que vous suivez est résolu, ou votre réponse l'a résolu."))
        register_kind("moderation", _("Modération de mes messages"),
                      description=_("Votre message a été validé, masqué ou certifié par l'équipe d'animation."))

        from search.registry import register as register_indexer
        from search.registry import register_entry_kind, register_private_prefix, register_reader_tokens

        from .search import SPACE_PREFIX, ThreadIndexer, reader_tokens

        register_indexer(ThreadIndexer())
        register_entry_kind("thread", _("Discussion"))
        register_reader_tokens(reader_tokens)
        register_private_prefix(SPACE_PREFIX)
        from search.permissions import register_reader_dependency

        from .models import Space

        # The search reader's "space:<pk>" tokens (reader_tokens) follow a space's visibility, groups and
        # moderators: cached readers are forgotten when any of them changes.
        register_reader_dependency(Space, Space.groups.through, Space.moderators.through)
        exchange.register(SpaceSection())
        exchange.register(ThreadSection())
        register_exporter("posts", gdpr.export_member_data)
        register_panel(Panel("forums", _("Mes échanges"), "forums/panel.html", context=panels.panel_context, order=30))
        register_anonymiser(gdpr.anonymise_member)

        from comcep.directory.contributions import register as register_contributions

        from .directory import certified_answers, started_threads

        register_contributions("threads", _("Sujets ouverts dans les espaces d'échanges"), started_threads, order=20)
        register_contributions("certified_answers", _("Réponses certifiées"), certified_answers, order=30)

        from comcep.core import recovery

        from .services import requeue_stranded_announcements

        # Posts left waiting for their announcement by a failed task: queued again by requeue_stale_tasks.
        recovery.register("forums.announcements", requeue_stranded_announcements)

        from . import signals

        # Who may enter a space changed (visibility, groups, moderators, members' groups): the notifications
        # of the members left outside go.
        signals.connect()

        from . import animation

        animation.register()  # figures of the animation dashboard

        from comcep.conversations import restrictions

        from .services import conversation_refusal

        restrictions.register(conversation_refusal)  # a suspended member writes no private message either
