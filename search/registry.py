"""How apps put their content into the unified search (DESIGN.md, decision 5).

Search knows no app: resources and forums each register an :class:`Indexer` in their
``AppConfig.ready``. An indexer turns one of its objects into zero or one
:class:`EntryData` (a denormalised search document) and lists every object for a
rebuild. Apps call ``search.services.reindex(obj)`` / ``search.services.remove(obj)``
when content changes (queued as a background task in production).

Access tokens decide who may see an entry; a reader's allowed tokens are computed once
by the search app:
    "public"            everybody, visitors included
    "members"           approved members
    "group:<auth group pk>"  approved members of that Django auth group
    "<prefix>:<id>"     private content whose readers an app decides (e.g. "space:12" for a forum
                        space restricted to several groups): the app registers a token provider
                        ``register_reader_tokens(fn)`` where ``fn(user)`` returns the approved
                        member's extra tokens (one query), and the prefix with
                        ``register_private_prefix("space:")`` so that moderators see them all.
    "user:<user pk>"    personal content that one member alone may see (e.g. their private
                        conversations: one entry per participant). Every approved member gets the
                        token of their own pk, moderators included, without a query; nobody gets
                        another member's, and the prefix can never be registered as private.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class EntryData:
    kind: str                       # the app's name for its entries, labelled by register_entry_kind()
    title: str
    url: str
    access: str                     # see module docstring
    summary: str = ""
    body: str = ""                  # plain text, no HTML
    subkind: str = ""               # e.g. the resource kind slug: the "Type" facet shows it instead of the kind
    themes: list[str] = field(default_factory=list)          # theme slugs
    audiences: list[str] = field(default_factory=list)
    service_levels: list[str] = field(default_factory=list)
    region: str = ""                # region slug, "" = national
    space: str = ""                 # space slug for forum content
    published_at: datetime | None = None
    updated_at: datetime | None = None
    useful_count: int = 0


class Indexer:
    """Subclass per model. ``model`` is the concrete model class the indexer handles."""

    model: type = None  # type: ignore[assignment]

    def entry(self, obj) -> EntryData | None:
        """The document for ``obj``, or None if it must not be searchable (unpublished, hidden...)."""
        raise NotImplementedError

    def all_objects(self) -> Iterable:
        """Every object to index on a rebuild (iterate in chunks; use select/prefetch_related)."""
        raise NotImplementedError


_indexers: dict[type, Indexer] = {}
_token_providers: list = []
_private_prefixes: set[str] = {"group:"}


def register_reader_tokens(provider) -> None:
    """``provider(user) -> iterable of tokens`` for an approved member (see module docstring)."""
    if provider not in _token_providers:
        _token_providers.append(provider)


#: Personal entries: "user:<pk>" (module docstring).
PERSONAL_PREFIX = "user:"


def register_private_prefix(prefix: str) -> None:
    if PERSONAL_PREFIX.startswith(prefix) or prefix.startswith(PERSONAL_PREFIX):
        raise ValueError("Personal entries (\"user:<pk>\") are never visible to moderators.")
    _private_prefixes.add(prefix)


def reader_token_providers() -> list:
    return list(_token_providers)


def private_prefixes() -> tuple[str, ...]:
    return tuple(sorted(_private_prefixes))


def register(indexer: Indexer) -> None:
    _indexers[indexer.model] = indexer


@dataclass(frozen=True)
class Kind:
    """How the results and the "Type" facet name an entry kind or subkind (lazy translations)."""

    label: object
    date_label: object = None  # what the results call the entry's date; None = the search app's default


_kinds: dict[str, Kind] = {}


def register_entry_kind(slug: str, label, *, date_label=None, subkinds=()) -> None:
    """An app names the kind of its entries (``EntryData.kind``) and their subkinds (``EntryData.subkind``,
    e.g. a ``TextChoices.choices``: (slug, label) pairs), in its ``AppConfig.ready``. Labels are lazy
    translations (``gettext_lazy``); ``date_label`` replaces « Publié le » before an entry's date in the
    results (an event's date is the day it takes place). Search knows no app: a kind nobody registers is
    shown as its slug, capitalised."""
    _kinds[slug] = Kind(label, date_label)
    for value, sublabel in subkinds:
        _kinds[value] = Kind(sublabel)
    from .labels import forget_translations

    forget_translations()  # labels already read under this slug


def kind(slug: str) -> Kind | None:
    return _kinds.get(slug)


def kinds() -> dict[str, Kind]:
    return dict(_kinds)


def indexer_for(obj_or_model) -> Indexer | None:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    for klass in model.__mro__:
        if klass in _indexers:
            return _indexers[klass]
    return None


def indexers() -> list[Indexer]:
    return list(_indexers.values())
