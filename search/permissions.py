"""Who may see which entry: a reader's access tokens (see search.registry)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save

from comcep.accounts.enums import MODERATORS_GROUP
from comcep.core.prepared import PreparedQuery
from comcep.core.versioned import Versioned

from .registry import PERSONAL_PREFIX, private_prefixes, reader_token_providers

PUBLIC = "public"
MEMBERS = "members"
GROUP_PREFIX = "group:"


def personal_token(user_id: int) -> str:
    """The access token of entries only that member may see (search.registry)."""
    return f"{PERSONAL_PREFIX}{user_id}"


@dataclass(frozen=True)
class Reader:
    tokens: frozenset[str]
    all_groups: bool = False  # moderators see every private space
    #: The member's own token ("user:<pk>"): entries meant for them alone. Moderators have
    #: theirs too, and never anyone else's (the prefix is not a private prefix).
    personal: str | None = None

    @property
    def cache_key(self) -> str:
        key = ("*" if self.all_groups else "") + ",".join(sorted(self.tokens))
        return f"{key};{self.personal}" if self.personal else key

    def shared(self) -> Reader:
        """The same reader without their personal entries: for what is cached or chosen for
        other readers too (spelling vocabulary, recommended results, listings of one kind)."""
        return replace(self, personal=None) if self.personal else self

    def q(self) -> Q:
        """The filter on SearchEntry.access: the same for every engine."""
        return access_q(self.access_tokens(), self.access_prefixes())

    def access_tokens(self) -> list[str]:
        """The ``SearchEntry.access`` values this reader may see (sorted: a stable statement)."""
        return sorted({*self.tokens, *([self.personal] if self.personal else [])})

    def access_prefixes(self) -> tuple[str, ...]:
        """The ``SearchEntry.access`` prefixes whose every entry this reader may see (moderators: every
        private space's)."""
        return private_prefixes() if self.all_groups else ()

    def may_see(self, access: str) -> bool:
        return (access in self.tokens or (self.personal is not None and access == self.personal)
                or (self.all_groups and access.startswith(private_prefixes())))


def access_q(tokens, prefixes) -> Q:
    """The permission filter on ``SearchEntry.access`` of a reader with these access tokens and prefixes
    (:meth:`Reader.access_tokens`, :meth:`Reader.access_prefixes`); the one rule, also for statements
    compiled once with the tokens as parameters (search.searcher._shown_query)."""
    condition = Q(access__in=list(tokens))
    for prefix in prefixes:
        condition |= Q(access__startswith=prefix)
    return condition


# The reader's groups (``user.groups.values_list("pk", "name")``), compiled once per process.
_GROUPS = PreparedQuery(
    "search.reader_groups",
    lambda *, user: Group.objects.filter(user=user).values_list("pk", "name"),
    params={"user": int},
)


# An approved member's Reader, per process, under a version token in the shared cache
# (comcep.core.versioned): every search page, API call and click read it (two statements on
# PostgreSQL, each a round trip, for data that changes a few times a day). The token changes, at once
# and again after commit, whenever what a Reader is computed from changes: a member's groups, a group
# (its name makes moderators; a deletion drops memberships), and whatever the apps that provide
# tokens register with :func:`register_reader_dependency` (forums: a space, its groups, its
# moderators). The member's own row is read on every request anyway (the session's user): their
# status is checked before the cache and ``is_superuser`` is part of the key.
_readers = Versioned("search:readers:version", max_entries=10_000)


def readers_changed(**kwargs) -> None:
    """Forget every cached Reader (now and after commit). Also a signal receiver."""
    _readers.invalidate()


def _m2m_changed(action, **kwargs) -> None:
    if action.startswith("post_"):
        readers_changed()


def register_reader_dependency(*senders) -> None:
    """Readers are computed from these models' rows too: a save or deletion of one of them, or, for a
    many-to-many ``through`` model, an add, remove or clear, forgets every cached Reader. The token
    providers (``search.registry.register_reader_tokens``) register what their tokens depend on,
    besides the member's pk and groups; a provider must read nothing else of the member (the Reader
    is cached per member id and ``is_superuser``). Writes that send no signal (``QuerySet.update``,
    bulk inserts, raw SQL) must call :func:`readers_changed` themselves."""
    for sender in senders:
        label = sender._meta.label_lower
        if sender._meta.auto_created:  # a many-to-many table
            m2m_changed.connect(_m2m_changed, sender=sender, dispatch_uid=f"search.readers.m2m.{label}")
        else:
            post_save.connect(readers_changed, sender=sender, dispatch_uid=f"search.readers.save.{label}")
            post_delete.connect(readers_changed, sender=sender, dispatch_uid=f"search.readers.delete.{label}")


def connect() -> None:
    """Called from SearchConfig.ready: what search itself computes a Reader from."""
    register_reader_dependency(Group, get_user_model().groups.through)


def reader_for(user) -> Reader:
    """Visitors, pending and rejected members: public only. Approved members: public,
    members, their groups' and the apps' private tokens, and their personal token.
    Moderators: every private entry of the registered prefixes, and their own personal
    entries only. No query while the member's Reader is cached (see ``_readers`` above);
    otherwise one (the user's groups) plus one per registered token provider."""
    if user is None or not user.is_authenticated or not getattr(user, "is_approved", False):
        return Reader(frozenset({PUBLIC}))
    return _readers.get("reader", (user.pk, bool(user.is_superuser)), lambda: _compute_reader(user))


def _compute_reader(user) -> Reader:
    groups = _GROUPS.rows(user=user.pk)
    tokens = {PUBLIC, MEMBERS, *(f"{GROUP_PREFIX}{pk}" for pk, _name in groups)}
    is_moderator = user.is_superuser or any(name == MODERATORS_GROUP for _pk, name in groups)
    if not is_moderator:  # moderators see every private entry through the prefixes
        for provider in reader_token_providers():
            tokens.update(provider(user))
    return Reader(frozenset(tokens), all_groups=is_moderator, personal=personal_token(user.pk))
