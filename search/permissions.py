"""Who may see which entry: a reader's access tokens (see search.registry)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.contrib.auth.models import Group
from django.db.models import Q

from comcep.accounts.enums import MODERATORS_GROUP
from comcep.core.prepared import PreparedQuery

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
        condition = Q(access__in=sorted({*self.tokens, *([self.personal] if self.personal else [])}))
        if self.all_groups:
            for prefix in private_prefixes():
                condition |= Q(access__startswith=prefix)
        return condition

    def may_see(self, access: str) -> bool:
        return (access in self.tokens or (self.personal is not None and access == self.personal)
                or (self.all_groups and access.startswith(private_prefixes())))


# The reader's groups (``user.groups.values_list("pk", "name")``), compiled once per process.
_GROUPS = PreparedQuery(
    "search.reader_groups",
    lambda *, user: Group.objects.filter(user=user).values_list("pk", "name"),
    params={"user": int},
)


def reader_for(user) -> Reader:
    """Visitors, pending and rejected members: public only. Approved members: public,
    members, their groups' and the apps' private tokens, and their personal token.
    Moderators: every private entry of the registered prefixes, and their own personal
    entries only. One query (the user's groups) plus one per registered token provider."""
    if user is None or not user.is_authenticated or not getattr(user, "is_approved", False):
        return Reader(frozenset({PUBLIC}))
    groups = _GROUPS.rows(user=user.pk)
    tokens = {PUBLIC, MEMBERS, *(f"{GROUP_PREFIX}{pk}" for pk, _name in groups)}
    is_moderator = user.is_superuser or any(name == MODERATORS_GROUP for _pk, name in groups)
    if not is_moderator:  # moderators see every private entry through the prefixes
        for provider in reader_token_providers():
            tokens.update(provider(user))
    return Reader(frozenset(tokens), all_groups=is_moderator, personal=personal_token(user.pk))
