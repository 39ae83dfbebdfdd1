"""The one module that turns members' Markdown into HTML that is safe to show.

Two layers, both always applied:
1. markdown-it-py renders CommonMark with raw HTML disabled (``<script>`` typed in a
   post is shown as text) and its link validator refusing ``javascript:``, ``vbscript:``,
   ``file:`` and ``data:`` URLs;
2. nh3 (the Rust ``ammonia`` sanitizer) cleans the result against an allow-list of tags,
   attributes and URL schemes, and sets ``rel="nofollow ugc noopener"`` on every link.

Store the returned HTML beside the source (DESIGN.md decision 4); re-render with
:func:`render_markdown` whenever the source changes.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

# Tags a member may produce. No images (tracking pixels, privacy), no raw HTML blocks,
# no styling attributes, no iframes.
INLINE_TAGS = {"a", "strong", "em", "del", "s", "code", "br", "mark", "sub", "sup"}
BLOCK_TAGS = {"p", "blockquote", "ul", "ol", "li", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td"}
HEADING_TAGS = {"h2", "h3", "h4"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},  # "language-xxx" from fenced code blocks
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"


@lru_cache(maxsize=2)
def _parser(headings: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False, "breaks": True})
    md.enable(["table", "strikethrough", "linkify"])
    if not headings:
        md.disable("heading")
        md.disable("lheading")
    return md


def sanitize_html(value: str, *, headings: bool = False) -> str:
    """Clean HTML against the allow-list. Use for any HTML whose origin is a member."""
    tags = INLINE_TAGS | BLOCK_TAGS | (HEADING_TAGS if headings else set())
    return nh3.clean(
        value,
        tags=tags,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_attribute_filter,
    )


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "code" and attribute == "class":
        return value if re.fullmatch(r"language-[A-Za-z0-9_+-]{1,30}", value) else None
    if tag in ("th", "td") and attribute == "align":
        return value if value in ("left", "right", "center") else None
    return value


def clean_source(source: str, limit: int, *, field: str = "body") -> str:
    """A member's Markdown as typed in a form, ready to store: Windows line ends normalised,
    surrounding blank space removed. Raises ValidationError on ``field`` (French messages) when
    nothing is left or when it is longer than ``limit`` characters."""
    source = (source or "").replace("\r\n", "\n").strip()
    if not source:
        raise ValidationError({field: _("Le message ne peut pas être vide.")}, code="required")
    if len(source) > limit:
        raise ValidationError(
            {field: _("Le message est trop long (%(length)d caractères, %(limit)d au maximum).")
             % {"length": len(source), "limit": limit}},
            code="max_length",
        )
    return source


def render_markdown(source: str, *, headings: bool = False) -> str:
    """Markdown typed by a member -> sanitized HTML. ``headings`` allows ``##`` titles
    (h2-h4) for longer documents such as resources; posts keep them as paragraphs."""
    if not source:
        return ""
    rendered = _parser(headings).render(source)
    return sanitize_html(rendered, headings=headings)


def quote_markdown(source: str, author: str) -> str:
    """A quotation of ``source`` as Markdown, attributed to ``author`` (used when replying)."""
    lines = source.strip().splitlines() or [""]
    quoted = "\n".join(f"> {line}" if line else ">" for line in lines)
    return f"> **{author}** :\n>\n{quoted}\n\n"


_TAG_RE = re.compile(r"<[^>]+>")
_BLOCKQUOTE_RE = re.compile(r"<(/?)blockquote\b[^>]*>", re.IGNORECASE)
_SPACE_RE = re.compile(r"\s+")


def html_to_text(value: str) -> str:
    """Plain text of sanitized HTML (for search documents, e-mails and excerpts)."""
    text = _TAG_RE.sub(" ", value or "")
    return _SPACE_RE.sub(" ", html.unescape(text)).strip()


def without_quotes(value: str) -> str:
    """Sanitized HTML without its quotations (``<blockquote>``, nested ones included): what the
    author wrote themself, e.g. for a notification's excerpt of a reply that quotes another post."""
    parts, depth, start = [], 0, 0
    for tag in _BLOCKQUOTE_RE.finditer(value or ""):
        if depth == 0:
            parts.append(value[start:tag.start()])
        depth = max(depth - 1, 0) if tag.group(1) else depth + 1
        start = tag.end()
    if depth == 0:
        parts.append((value or "")[start:])
    return "".join(parts)
