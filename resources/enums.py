"""Fixed vocabularies of the resource library (slugs per DESIGN.md, French labels)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from comcep.core.enums import Visibility  # noqa: F401  (one vocabulary for resources, events and news)


class ResourceKind(models.TextChoices):
    FICHE_PRATIQUE = "fiche-pratique", _("Fiche pratique")
    FICHE_OUTIL = "fiche-outil", _("Fiche outil")
    GUIDE = "guide", _("Guide")
    METHODOLOGIE = "methodologie", _("Méthodologie")
    MODELE = "modele", _("Modèle")
    VIDEO = "video", _("Vidéo")
    TEXTE_REFERENCE = "texte-reference", _("Texte de référence")
    RETOUR_EXPERIENCE = "retour-experience", _("Retour d'expérience")


_KIND_VALUES = frozenset(ResourceKind.values)  # Choices.values builds a new list on every access


def kind_label(kind: str):
    """A resource kind's label (the value itself for a kind no longer offered)."""
    return ResourceKind(kind).label if kind in _KIND_VALUES else kind


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    PUBLISHED = "published", _("Publiée")
    REJECTED = "rejected", _("Refusée")


class SortOrder(models.TextChoices):
    RECENT = "recent", _("Les plus récentes")
    USEFUL = "utiles", _("Les plus utiles")
    # "pertinence" is offered only when a text query exists (see views.LibraryQuery.sort_choices).
    RELEVANCE = "pertinence", _("Pertinence")


ANIMATORS_GROUP = "Animateurs"
WORKFLOW_NAME = "Relecture par un modérateur"
TASK_NAME = "Validation par un modérateur"
