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
"""

from __future__ import annotations

import re
from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from comcep.core.markdown import render_markdown
from comcep.directory.models import DirectoryProfile

MAX_MENTIONS = 10
_AT_RE = re.compile(r"(?:^|(?<=[\s(>\[]))@(\w[\w'’.-]*)", re.UNICODE)
_CODE_RE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
_QUOTE_RE = re.compile(r"^\s*>.*$", re.MULTILINE)


def _mention_positions(body: str) -> list[tuple[int, str]]:
    # Mentions inside code spans and quotations do not notify anybody again.
    text = _QUOTE_RE.sub(lambda m: " " * len(m.group(0)), _CODE_RE.sub(lambda m: " " * len(m.group(0)), body))
    return [(m.start(), m.group(1)) for m in _AT_RE.finditer(text)][: MAX_MENTIONS * 3]


def find_mentions(body: str, *, with_profile: bool = False) -> list:
    """The approved members mentioned in ``body`` (one query). ``with_profile``: each member also has
    ``listed_profile``, whether their directory profile is listed (the same query)."""
    positions = _mention_positions(body or "")
    if not positions:
        return []
    first_words = {word.rstrip(".").lower() for _, word in positions if word.rstrip(".")}
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
    lowered = body.lower()
    for start, _word in positions:
        rest = lowered[start + 1: start + 1 + 100]
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
    it), else a ``<span class="mention">``. One query, and only when ``body`` contains "@"."""
    if "@" not in body:
        return render_markdown(body)
    members = find_mentions(body, with_profile=True)
    mentions = {member.display_name.lower(): profile_url(member) if member.listed_profile else None
                for member in members}
    return render_markdown(body, mentions=mentions)


def profile_url(user) -> str:
    """The URL a mention of ``user`` links to (what comcep.core.markdown.unlink_mentions looks for)."""
    return reverse("directory:profile", args=[user.pk])
