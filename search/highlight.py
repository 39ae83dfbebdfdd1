"""Highlighted snippets, built the same way for every engine from the stored text.

Words are compared by their French index form (search.french.stem_word), so
"conseillères" is marked for the query "conseiller" and "évaluation" for "evaluation".
Everything but the <mark> elements is escaped.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import french

SNIPPET_WORDS = 32
#: A snippet is looked for in the first characters of the text only: a long discussion's entry holds
#: every post (tens of thousands of words), and stemming all of them cost ~30 ms per result.
SNIPPET_SCAN_CHARS = 6_000


def _tokens(text: str):
    """(start, end, stem) for each word of ``text``."""
    return [(m.start(), m.end(), french.stem_word(m.group())) for m in french.WORD_RE.finditer(text)]


def _render(text: str, tokens, stems: set[str], start: int, end: int) -> str:
    out, pos = [], start
    for t_start, t_end, stem in tokens:
        if t_start < start or t_end > end:
            continue
        if stem and stem in stems:
            out.append(escape(text[pos:t_start]))
            out.append(f"<mark>{escape(text[t_start:t_end])}</mark>")
            pos = t_end
    out.append(escape(text[pos:end]))
    return "".join(out)


def highlight_text(text: str, stems: set[str]) -> SafeString:
    """The whole ``text`` with matching words marked (for titles)."""
    text = text or ""
    return mark_safe(_render(text, _tokens(text), stems, 0, len(text)))  # noqa: S308 - escaped above


def snippet(text: str, stems: set[str], words: int = SNIPPET_WORDS) -> SafeString:
    """The window of ``words`` words of ``text`` with the most distinct query words, marked (looked
    for in the first ``SNIPPET_SCAN_CHARS`` characters)."""
    text = " ".join((text or "")[: SNIPPET_SCAN_CHARS * 2].split())
    truncated = len(text) > SNIPPET_SCAN_CHARS
    if truncated:  # cut at a word boundary
        text = text[:SNIPPET_SCAN_CHARS].rsplit(" ", 1)[0]
    if not text:
        return mark_safe("")
    tokens = _tokens(text)
    if not tokens:
        return mark_safe(escape(text[:240]))  # noqa: S308 - escaped
    hits = [i for i, (_s, _e, stem) in enumerate(tokens) if stem and stem in stems]
    best_first = 0
    if hits:
        best_score = (-1, -1)
        for first in hits:
            first = max(0, first - 4)  # a little context before the first match
            window = tokens[first : first + words]
            found = {stem for _s, _e, stem in window if stem in stems}
            score = (len(found), sum(1 for _s, _e, stem in window if stem in stems))
            if score > best_score:
                best_score, best_first = score, first
    last = min(len(tokens), best_first + words) - 1
    start = 0 if best_first == 0 else tokens[best_first][0]
    end = len(text) if last == len(tokens) - 1 else tokens[last][1]
    html = _render(text, tokens, stems, start, end)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) or truncated else ""
    return mark_safe(prefix + html + suffix)  # noqa: S308 - every piece of text is escaped
