"""Plain text written into Markdown so that ``comcep.core.markdown`` reads it back as the same text.

No Wagtail here: ``comcep.core.markdown`` (the quotation of a post's author) and
``comcep.core.htmltomd`` (the content exchange's converter) both use it.
"""

from __future__ import annotations

import re

_ASCII_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_AUTOLINK = re.compile(r"<(?:[A-Za-z][A-Za-z0-9.+-]{1,31}:[^\s<>]*|[^\s<>@]+@[^\s<>]+)>")
_BLOCK_MARK = re.compile(r"#{1,6}(?=\s|$)|>|[-+*](?=\s|$)|[-=]+\s*$"
                         r"|(?=[|:\s-]*\|)(?=[|:\s-]*-)[|:\s-]+$")  # the last: a table's "|---|" row
_NUMBER_MARK = re.compile(r"\d{1,9}(?=[.)](?:\s|$))")


def _escaped(text: str, i: int) -> bool:
    ch = text[i]
    before = text[i - 1] if i else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    if ch == "\\":  # before punctuation, or what may become punctuation (a mark once spaces move out)
        return not after or after.isspace() or after in _ASCII_PUNCTUATION
    if ch in "`[]":
        return True
    if ch == "*":  # emphasis, unless surrounded by spaces ("2 * 3")
        return not (before.isspace() and after.isspace())
    if ch == "_":  # emphasis, unless inside a word ("a_b") or surrounded by spaces
        return not (before.isalnum() and after.isalnum() or before.isspace() and after.isspace())
    if ch == "~":  # strikethrough is "~~"
        return "~" in (before, after)
    if ch == "<":
        return bool(_AUTOLINK.match(text, i))
    if ch == "&":
        return bool(_ENTITY.match(text, i))
    return False


def escape_text(text: str, *, line_start: bool = False) -> str:
    """``text`` written so that Markdown reads it back as the same text. Only what would be
    read as Markdown is escaped: ordinary prose ("2 * 3", "a_b", "1er") is left as it is.
    ``line_start``: the text begins a line, where "# ", "> ", "- " or "1. " open blocks."""
    text = "".join("\\" + ch if ch in "\\`[]*_~<&" and _escaped(text, i) else ch
                   for i, ch in enumerate(text))
    if line_start:
        space = len(text) - len(text.lstrip())  # Markdown skips no-break spaces there too
        if _BLOCK_MARK.match(text, space):
            text = text[:space] + "\\" + text[space:]
        elif number := _NUMBER_MARK.match(text, space):  # "2026. Une année": the dot is escaped
            text = text[: number.end()] + "\\" + text[number.end():]
    return text
