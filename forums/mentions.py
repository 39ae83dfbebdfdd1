"""@mentions in posts.

Syntax (documented in docs/forums.md): ``@`` followed by a member's display name exactly as shown
on the site, e.g. ``@Awa Diallo`` or ``@Awa D.`` — case-insensitive, ended by a space, punctuation
other than a dot inside the name, or the end of the line. When several display names match at the
same place, the longest wins (``@Awa Diallo`` beats ``@Awa``). The autocomplete inserts exactly
this form. Mentions are resolved on the server, only among approved members, at most
``MAX_MENTIONS`` per post; the caller then keeps only the members allowed to read the thread.
"""

from __future__ import annotations

import re
from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.db.models import Q

MAX_MENTIONS = 10
_AT_RE = re.compile(r"(?:^|(?<=[\s(>\[]))@(\w[\w'’.-]*)", re.UNICODE)
_CODE_RE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
_QUOTE_RE = re.compile(r"^\s*>.*$", re.MULTILINE)


def _mention_positions(body: str) -> list[tuple[int, str]]:
    # Mentions inside code spans and quotations do not notify anybody again.
    text = _QUOTE_RE.sub(lambda m: " " * len(m.group(0)), _CODE_RE.sub(lambda m: " " * len(m.group(0)), body))
    return [(m.start(), m.group(1)) for m in _AT_RE.finditer(text)][: MAX_MENTIONS * 3]


def find_mentions(body: str) -> list:
    """The approved members mentioned in ``body`` (one query)."""
    positions = _mention_positions(body or "")
    if not positions:
        return []
    first_words = {word.rstrip(".").lower() for _, word in positions if word.rstrip(".")}
    if not first_words:
        return []
    condition = reduce(or_, (Q(display_name__istartswith=w) for w in sorted(first_words)[:30]))
    candidates = list(
        get_user_model().objects.approved().filter(deleted_at__isnull=True).filter(condition)
        .exclude(display_name="").only("pk", "display_name")
    )
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
