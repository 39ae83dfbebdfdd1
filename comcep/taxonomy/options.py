"""The taxonomy's terms as the filter forms list them: ``(slug, name)`` rows in the terms' order.

Read on every request of a page with a filter form (the agenda, the member directory): kept per process
under a version token (comcep.core.versioned.Versioned) that the save or deletion of a term replaces
(``connect``), so a page reads no statement for them. A form sets them as its fields' choices instead of
letting each ``<select>`` read its queryset while rendering; the rows are then also what keys the form's
cached rendering (``comcep.core.fragments.form_fragment_parts``). ``ids`` maps the slugs to the terms' ids."""

from django.db.models.signals import post_delete, post_save

from comcep.core.versioned import Versioned

from .models import Operator, Region, Theme

_options = Versioned("taxonomy:options:version", max_entries=8)
_MODELS = {"regions": Region, "operators": Operator, "themes": Theme}


def _rows(kind: str) -> tuple[tuple[str, str], ...]:
    return _options.get(kind, (), lambda: tuple(_MODELS[kind].objects.values_list("slug", "name")))


def ids(kind: str) -> dict[str, int]:
    """The terms' ids by slug, kept like the rows (``kind``: "regions", "operators" or "themes"): a filter form
    validates a slug and filters by the term's id without a statement."""
    return _options.get(f"{kind}:ids", (), lambda: dict(_MODELS[kind].objects.values_list("slug", "pk")))


def regions() -> tuple[tuple[str, str], ...]:
    return _rows("regions")


def operators() -> tuple[tuple[str, str], ...]:
    return _rows("operators")


def themes() -> tuple[tuple[str, str], ...]:
    return _rows("themes")


def connect() -> None:
    """Called from TaxonomyConfig.ready."""
    for kind, model in _MODELS.items():
        post_save.connect(_options.on_change, sender=model, dispatch_uid=f"taxonomy.options.{kind}.save")
        post_delete.connect(_options.on_change, sender=model, dispatch_uid=f"taxonomy.options.{kind}.delete")
