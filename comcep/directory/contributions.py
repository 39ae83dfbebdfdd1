"""Public contributions shown on a directory profile, contributed by other apps.

The directory does not import the content apps (dependencies point one way): resources and forums
register a provider in their ``AppConfig.ready``::

    from comcep.directory.contributions import register
    register("threads", _("Sujets ouverts"), fn, order=20)

``fn(profile_user, reader) -> list[dict(title=..., url=..., date=...)]`` returns at most
``LIMIT`` items that ``reader`` may see, newest first, in a fixed number of queries.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LIMIT = 10


@dataclass(frozen=True)
class Provider:
    key: str
    title: str
    fn: Callable[[Any, Any], list[dict]]
    order: int = 100


_providers: dict[str, Provider] = {}


def register(key: str, title: str, fn: Callable[[Any, Any], list[dict]], order: int = 100) -> None:
    _providers[key] = Provider(key, title, fn, order)


def providers() -> list[Provider]:
    return sorted(_providers.values(), key=lambda p: (p.order, p.key))


def collect(profile_user, reader) -> list[dict]:
    """One section per provider: ``{"key", "title", "items"}`` (items capped at ``LIMIT``)."""
    return [
        {"key": p.key, "title": p.title, "items": list(p.fn(profile_user, reader))[:LIMIT]}
        for p in providers()
    ]
