from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "comcep.groups"
    label = "regional_groups"  # not "groups": avoid any confusion with django.contrib.auth's groups
    verbose_name = _("Groupes régionaux")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from comcep.accounts.gdpr import register_anonymiser, register_exporter
        from comcep.accounts.member_area import Panel, register_panel
        from comcep.core import exchange
        from comcep.notifications.services import register_kind

        from . import gdpr, panels
        from .exchange import GroupSection

        register_kind("groupe-demande", _("Demandes d'adhésion à mes groupes (coordination)"),
                      audience=_decides_join_requests,
                      description=_("Un membre demande à rejoindre un groupe régional que vous coordonnez."))
        register_kind("groupe-adhesion", _("Mes adhésions aux groupes régionaux"),
                      description=_("Vous êtes invité(e) dans un groupe, ou votre demande est acceptée "
                                      "ou refusée."))
        register_kind("groupe-sans-coordinateur", _("Groupes régionaux sans coordinateur (équipe d'animation)"),
                      audience=_is_moderator,  # services.tell_moderators_if_without_coordinator
                      description=_("Le dernier coordinateur d'un groupe régional l'a quitté ou a supprimé son "
                                    "compte : ses demandes d'adhésion vous sont adressées."))
        register_kind("annonce-groupe", _("Annonces de mes groupes régionaux"),
                      description=_("Un coordinateur publie une annonce pour les membres du groupe."))
        exchange.register(GroupSection())
        register_exporter("regional_groups", gdpr.export_member_data)
        register_anonymiser(gdpr.anonymise_member)
        register_panel(Panel("regional_groups", _("Mes groupes régionaux"), "groups/panel.html",
                             context=panels.panel_context, order=35))

        from forums import space_locks

        from .services import space_lock_reason

        space_locks.register(space_lock_reason)

        from search.registry import register as register_indexer
        from search.registry import register_entry_kind

        from . import search

        register_indexer(search.RegionalGroupIndexer())
        register_entry_kind("group", _("Groupe régional"))
        search.connect()


def _is_moderator(user) -> bool:
    return user.is_active and user.is_moderator


def _decides_join_requests(user) -> bool:
    """Join requests notify a group's coordinators, and the global moderators for a group left without one
    (``services._request_deciders``): the preferences page offers the kind to them."""
    from .models import Membership

    return _is_moderator(user) or Membership.objects.coordinators().filter(user_id=user.pk).exists()
