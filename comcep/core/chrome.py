"""The site's header and footer ("chrome") served from the fragment cache (comcep/core/fragments.py).

Every page renders the same header and footer for readers in the same situation. Their cache key
holds every value they read: whether the reader is signed in, pending, an approved member, which
navigation item is current (``nav``, computed here from the path, and the only thing the templates
read of it), whether the search box shows the current query, and what apps add through
:func:`register_key_part` (the notification bell's unread count). The per-request values — the
query in the search box and the path the language switch returns to — are placeholders filled in
on every render; the CSRF token of the logout and language forms is the fragment cache's own.

``chrome`` (the ``site_context`` context processor) computes all this lazily: only pages that
render ``base.html`` pay for it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.functional import cached_property

from .access import is_approved_member
from .fragments import fragment_key

#: Stand for the per-request values in the cached fragments (URL-, HTML- and JavaScript-safe).
SEARCH_QUERY = "comcep-chrome-search-query"
NEXT_PATH = "comcep-chrome-next-path"

#: Navigation items: the path prefix that makes each one current (aria-current="page").
NAV_PREFIXES = {
    "resources": "/ressources/",
    "exchanges": "/echanges/",
    "agenda": "/agenda/",
    "directory": "/annuaire/",
    "groups": "/groupes/",
    "messages": "/messages/",
    "search": "/recherche/",
    "notifications": "/mon-espace/notifications/",
}

_key_parts: list[Callable] = []


def register_key_part(part: Callable) -> None:
    """``part(request)`` -> a plain value the chrome's templates show (an app's own include in
    the header, e.g. the notification bell's count): it joins the cache key."""
    _key_parts.append(part)


def nav_flags(path: str) -> dict[str, bool]:
    flags = {name: path.startswith(prefix) for name, prefix in NAV_PREFIXES.items()}
    flags["member_area"] = path.startswith("/mon-espace") and not flags["notifications"]
    return flags


class Chrome:
    """What base.html's header and footer need, computed when first read."""

    SEARCH_QUERY = SEARCH_QUERY
    NEXT_PATH = NEXT_PATH

    def __init__(self, request):
        self.request = request

    @cached_property
    def nav(self) -> dict[str, bool]:
        return nav_flags(self.request.path)

    @cached_property
    def search_box_filled(self) -> bool:
        match = getattr(self.request, "resolver_match", None)
        return bool(match is not None and match.namespace == "search" and self.request.GET.get("q"))

    @cached_property
    def key(self) -> str:
        user = getattr(self.request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        return fragment_key(
            "chrome", signed_in, signed_in and user.is_pending, is_approved_member(user),
            sorted(self.nav.items()), self.search_box_filled, [part(self.request) for part in _key_parts],
        )

    @property
    def footer_key(self) -> str:
        return f"{self.key}-footer"

    @cached_property
    def fills(self) -> dict[str, str]:
        return {SEARCH_QUERY: self.request.GET.get("q", "") if self.search_box_filled else "",
                NEXT_PATH: self.request.get_full_path()}
