"""@mentions in posts.

Syntax (documented in docs/forums.md): ``@`` followed by a member's display name exactly as shown
on the site, e.g. ``@Awa Diallo`` or ``@Awa D.`` — case-insensitive, ended by a space, punctuation
other than a dot inside the name, or the end of the line. When several display names match at the
same place, the longest wins (``@Awa Diallo`` beats ``@Awa``). The autocomplete inserts exactly
this form. Mentions are resolved on the server, only among approved members, at most
``MAX_MENTIONS`` per post; the caller then keeps only the members allowed to read the thread.

Shown as mentions: :func:`render_post` renders a post's Markdown with the same members marked up
(``comcep.core.markdown``), a link to their directory profile when they are listed there. It runs
when a post is written or edited (the HTML is stored), never when it is read (docs/forums.md).
Notified = shown: :func:`find_mentions` (the notifications) and :func:`render_post` take the places
where a mention may be from the same parse rule (``comcep.core.markdown.mention_sites``: running
text, not code, a link's text or a quotation) and resolve them with the same :func:`_resolve`.
"""

from __future__ import annotations

import re
from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from comcep.core.markdown import mention_sites, render_markdown
from comcep.directory.models import DirectoryProfile

MAX_MENTIONS = 10
_WORD_RE = re.compile(r"\w[\w'’.-]*")


def find_mentions(body: str, *, with_profile: bool = False) -> list:
    """The approved members mentioned in ``body`` (one query, none without a place where a mention may
    be): exactly those :func:`render_post` marks up, since both take the places from the same parse
    (``comcep.core.markdown.mention_sites``: running text, not code, a link's text or a quotation).
    ``with_profile``: each member also has ``listed_profile``, whether their directory profile is
    listed (the same query)."""
    return _resolve(mention_sites(body or ""), with_profile=with_profile)


def _resolve(sites: list[str], *, with_profile: bool = False) -> list:
    """The members named at the start of ``sites`` (the text after each "@", see find_mentions), in
    order of first mention, at most MAX_MENTIONS: at each place the longest display name that matches
    and ends there (not before a letter, a digit, "_" or "-")."""
    sites = [site.lower() for site in sites[: MAX_MENTIONS * 3]]
    first_words = set()
    for site in sites:
        word = _WORD_RE.match(site)
        if word and word.group(0).rstrip("."):
            first_words.add(word.group(0).rstrip("."))
    if not first_words:
        return []
    condition = reduce(or_, (Q(display_name__istartswith=w) for w in sorted(first_words)[:30]))
    members = (get_user_model().objects.approved().filter(deleted_at__isnull=True).filter(condition)
               .exclude(display_name="").only("pk", "display_name"))
    if with_profile:
        members = members.annotate(listed_profile=Exists(
            DirectoryProfile.objects.filter(user=OuterRef("pk"), listed=True)))
    candidates = list(members)
    candidates.sort(key=lambda u: len(u.display_name), reverse=True)
    found, seen = [], set()
    for rest in sites:
        for user in candidates:
            name = user.display_name.lower()
            if rest.startswith(name):
                after = rest[len(name): len(name) + 1]
                if not after or not (after.isalnum() or after in "_-"):
                    if user.pk not in seen:
                        seen.add(user.pk)
                        found.append(user)
                    break
        if len(found) >= MAX_MENTIONS:
            break
    return found


def render_post(body: str) -> str:
    """A post's Markdown -> the HTML to store, its mentions marked up: ``@Name`` links to the member's
    directory profile when it is listed (approved members, the only readers of the forums, may open
    it), else a ``<span class="mention">``. One parse, and one query only when the parse meets a place
    where a mention may be (``find_mentions``' rule, resolved during the rendering)."""
    if "@" not in body:
        return render_markdown(body)

    def mentions(sites: list[str]) -> dict[str, str | None]:
        return {member.display_name.lower(): profile_url(member) if member.listed_profile else None
                for member in _resolve(sites, with_profile=True)}

    return render_markdown(body, mentions=mentions)


def profile_url(user) -> str:
    """The URL a mention of ``user`` links to (what comcep.core.markdown.unlink_mentions looks for)."""
    return reverse("directory:profile", args=[user.pk])
