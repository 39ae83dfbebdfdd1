from django.db import models
from django.utils.translation import gettext_lazy as _


class SpaceVisibility(models.TextChoices):
    MEMBERS = "members", _("Tous les membres validés")
    GROUPS = "groups", _("Réservé à des groupes")


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Publicité ou spam")
    ABUSE = "abuse", _("Propos irrespectueux ou injurieux")
    PERSONAL_DATA = "personal_data", _("Données personnelles d'un bénéficiaire")
    OFF_TOPIC = "off_topic", _("Hors sujet")
    OTHER = "other", _("Autre raison")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("À traiter")
    RESOLVED = "resolved", _("Traité")


class ModerationAction(models.TextChoices):
    HIDE_POST = "hide_post", _("Message masqué")
    RESTORE_POST = "restore_post", _("Message rétabli")
    APPROVE_POST = "approve_post", _("Message validé")
    REJECT_POST = "reject_post", _("Message refusé")
    DELETE_POST = "delete_post", _("Message supprimé")
    CERTIFY_POST = "certify_post", _("Réponse certifiée")
    UNCERTIFY_POST = "uncertify_post", _("Certification retirée")
    LOCK_THREAD = "lock_thread", _("Sujet verrouillé")
    UNLOCK_THREAD = "unlock_thread", _("Sujet déverrouillé")
    PIN_THREAD = "pin_thread", _("Sujet épinglé")
    UNPIN_THREAD = "unpin_thread", _("Sujet désépinglé")
    HIDE_THREAD = "hide_thread", _("Sujet masqué")
    RESTORE_THREAD = "restore_thread", _("Sujet rétabli")
    MOVE_THREAD = "move_thread", _("Sujet déplacé")
    RESOLVE_FLAG = "resolve_flag", _("Signalement traité")
    SUSPEND_MEMBER = "suspend_member", _("Membre suspendu")
    UNSUSPEND_MEMBER = "unsuspend_member", _("Suspension levée")


class ThreadFilter(models.TextChoices):
    UNANSWERED = "sans-reponse", _("Sans réponse")
    SOLVED = "resolus", _("Résolus")
    MINE = "mes-sujets", _("Mes sujets")
    FOLLOWED = "abonnements", _("Mes abonnements")


# Slugs a space may not take: they are path segments of the forum's own URLs.
RESERVED_SPACE_SLUGS = frozenset(
    {"discuter", "sujet", "message", "mentions", "apercu", "espace", "membre", "moderation", "sans-reponse"}
)
