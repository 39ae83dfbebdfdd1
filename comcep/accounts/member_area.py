"""Panels of "Mon espace" contributed by apps (favourites, proposals, subscriptions...).

``register_panel(Panel(key, title, template, context=fn, order=n))`` in ``AppConfig.ready``;
the dashboard renders every panel's template with ``panel_context = context(request)``.
Keep each ``context`` to a fixed, small number of queries.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    context: Callable[[Any], dict] | None = None
    order: int = 100


_panels: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _panels[panel.key] = panel


def panels() -> list[Panel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.key))
