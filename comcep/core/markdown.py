"""The one module that turns members' Markdown into HTML that is safe to show.

Two layers, both always applied:
1. markdown-it-py renders CommonMark with raw HTML disabled (``<script>`` typed in a
   post is shown as text) and its link validator refusing ``javascript:``, ``vbscript:``,
   ``file:`` and ``data:`` URLs;
2. nh3 (the Rust ``ammonia`` sanitizer) cleans the result against an allow-list of tags,
   attributes and URL schemes, and sets ``rel="nofollow ugc noopener"`` on every link.

Store the returned HTML beside the source (DESIGN.md decision 4); re-render with
:func:`render_markdown` whenever the source changes.

@mentions: the parser finds the places where a mention may be (running text, not code, a link's
text or a quotation: :func:`mention_sites`), the caller resolves them into names (the forums:
``forums.mentions.render_post``, during the one parse, and ``find_mentions`` for the notifications,
from the same places) and the parser marks them up as ``<a class="mention" href="...">@Name</a>``
(or a ``<span class="mention">`` without a page to link to). This module knows no member, and the
sanitizer keeps ``class="mention"`` (and nothing else) only in that mode — a member cannot type it
(raw HTML is text) nor smuggle it through another caller.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import lru_cache

import nh3
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from comcep.core.mdescape import escape_text

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
# A mention, as render_markdown(..., mentions=...) writes it (attributes in this order; nh3 keeps it).
MENTION_CLASS = "mention"
MENTION_LINK_START = f'<a class="{MENTION_CLASS}" href="'
MENTION_ATTRIBUTES = {"a": {"href", "title", "class"}, "span": {"class"}}


@lru_cache(maxsize=2)
def _parser(headings: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False, "breaks": True})
    md.enable(["table", "strikethrough", "linkify"])
    if not headings:
        md.disable("heading")
        md.disable("lheading")
    else:
        md.core.ruler.after("block", "heading_levels", _clamp_heading_levels)
    # After linkify (links are skipped), before text_join: an escaped "\@" stays its own token, no mention.
    md.core.ruler.before("text_join", "mentions", _mark_mentions)
    return md


def _clamp_heading_levels(state: StateCore) -> None:
    """``#`` and ``=====`` titles become h2, ``#####``/``######`` h4 (HEADING_TAGS, as htmltomd maps them):
    the sanitizer would otherwise drop the h1/h5/h6 tags and leave their text glued to what follows."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(max(int(token.tag[1]), 2), 4)
            token.tag = f"h{level}"


def sanitize_html(value: str, *, headings: bool = False, mentions: bool = False) -> str:
    """Clean HTML against the allow-list. Use for any HTML whose origin is a member.
    ``mentions``: also keep ``<a class="mention">`` and ``<span class="mention">`` (render_markdown
    sets it when it marked mentions up itself; the class takes no other value)."""
    tags = INLINE_TAGS | BLOCK_TAGS | (HEADING_TAGS if headings else set())
    attributes = ALLOWED_ATTRIBUTES
    if mentions:
        tags = tags | {"span"}
        attributes = {**ALLOWED_ATTRIBUTES, **MENTION_ATTRIBUTES}
    return nh3.clean(
        value,
        tags=tags,
        attributes=attributes,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_attribute_filter,
    )


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        if tag == "code":
            return value if re.fullmatch(r"language-[A-Za-z0-9_+-]{1,30}", value) else None
        return value if value == MENTION_CLASS else None  # a, span: only in mentions mode (sanitize_html)
    if tag in ("th", "td") and attribute == "align":
        return value if value in ("left", "right", "center") else None
    return value


#: Characters that show nothing but are neither whitespace nor of the "format" category (Cf): the Hangul fillers
#: and the blank Braille pattern, typed to make a text that looks empty.
_BLANK_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def visible_length(text: str | None) -> int:
    """How many characters of ``text`` a reader sees: whitespace (the no-break space included) and the invisible
    format characters (zero-width space U+200B, non-joiner and joiner U+200C/U+200D, word joiner U+2060,
    byte order mark U+FEFF, soft hyphen...: Unicode category Cf) and blank fillers do not count. A message, a
    title or a subject made of them only is empty (the text is stored as typed otherwise: a joiner inside
    an emoji stays)."""
    return sum(1 for c in text or "" if not (c.isspace() or c in _BLANK_FILLERS or unicodedata.category(c) == "Cf"))


def clean_source(source: str, limit: int, *, field: str = "body") -> str:
    """A member's Markdown as typed in a form, ready to store: Windows line ends normalised,
    surrounding blank space removed. Raises ValidationError on ``field`` (French messages) when
    nothing visible is left (``visible_length``) or when it is longer than ``limit`` characters."""
    source = (source or "").replace("\r\n", "\n").strip()
    if not visible_length(source):  # nothing, or only invisible characters
        raise ValidationError({field: _("Le message ne peut pas être vide.")}, code="required")
    if len(source) > limit:
        raise ValidationError(
            {field: _("Le message est trop long (%(length)d caractères, %(limit)d au maximum).")
             % {"length": len(source), "limit": limit}},
            code="max_length",
        )
    return source


def render_markdown(source: str, *, headings: bool = False,
                    mentions: Mapping[str, str | None] | Callable[[list[str]], Mapping[str, str | None]] | None = None,
                    ) -> str:
    """Markdown typed by a member -> sanitized HTML. ``headings`` allows ``##`` titles
    (h2-h4) for longer documents such as resources; posts keep them as paragraphs.

    ``mentions``: ``{display name in lower case: profile URL or None}``, the members the caller
    resolved in ``source``; each ``@Name`` of running text (not in code, a link or a quotation)
    becomes ``<a class="mention" href="URL">@Name</a>``, or ``<span class="mention">@Name</span>``
    when the URL is None (see :func:`_mark_mentions`). Or a function of the places where a mention may
    be (:func:`mention_sites`) returning that mapping, called once during the one parse (not called when
    there is no such place)."""
    if not source:
        return ""
    env = {"mentions": mentions} if mentions else {}
    rendered = _parser(headings).render(source, env)
    return sanitize_html(rendered, headings=headings, mentions=bool(env.get("mentions")))


# What may precede a mention's "@" (besides a space or the start of a paragraph, cell or item) and the
# text after it given to a resolver: the longest display name is 80 characters.
_MENTION_BEFORE = frozenset("([>")
_MENTION_AT_RE = re.compile(r"@(?=\w)")
_EMPHASIS_MARKERS = frozenset(("em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close"))
MENTION_SITE_LENGTH = 100


def mention_sites(source: str, *, headings: bool = False) -> list[str]:
    """The text after each "@" of ``source`` where :func:`render_markdown` would mark a mention up (the
    first ``MENTION_SITE_LENGTH`` characters of its text token), in order: what a caller resolves into
    members. One parse, no rendering (the notifications of a post, forums.mentions.find_mentions)."""
    if "@" not in (source or ""):
        return []
    env = {"mention_sites": []}
    _parser(headings).parse(source, env)
    return env["mention_sites"]


def _mark_mentions(state: StateCore) -> None:
    """Core rule (after linkify, before text_join): split the text tokens of running text around the
    mentions given in ``env["mentions"]``. The text of the mention is the member's name as typed; when
    several names match at one place the longest wins, and a name must end at a space, punctuation or
    the end of the text (not before a letter, a digit, "_" or "-"), as in forums.mentions.

    ``env["mentions"]`` may be a function: it is called once with the sites (see :func:`mention_sites`)
    and returns the mapping, which replaces it in ``env``. ``env["mention_sites"]``, a list: the sites
    are appended to it and nothing is marked up. Either way one parse tells who is mentioned and marks
    them up: the notifications and the display follow one rule."""
    env = state.env if isinstance(state.env, dict) else {}
    mentions, collect = env.get("mentions"), env.get("mention_sites")
    if not mentions and collect is None:
        return
    blocks = [block for block in _running_text(state.tokens) if block.children and "@" in block.content]
    if collect is not None or callable(mentions):
        sites = [child.content[at + 1: at + 1 + MENTION_SITE_LENGTH]
                 for block in blocks for child, at in _mention_sites(block.children)]
        if collect is not None:
            collect.extend(sites)
            return
        mentions = env["mentions"] = mentions(sites) if sites else {}
        if not mentions:
            return
    names = sorted(mentions, key=len, reverse=True)
    for block in blocks:
        block.children = _mention_children(block.children, mentions, names)


def _running_text(tokens: list[Token]):
    """The inline tokens outside quotations (a quotation, lazy continuation lines included, shows and
    notifies no mention: quoting a post does not notify its mentions again). Code blocks and fences
    have no inline token."""
    quote_depth = 0
    for block in tokens:
        if block.type == "blockquote_open":
            quote_depth += 1
        elif block.type == "blockquote_close":
            quote_depth -= 1
        elif block.type == "inline" and not quote_depth:
            yield block


def _mention_sites(children: list[Token]):
    """(text token, index of its "@") where a mention may start: text outside links (code spans are
    ``code_inline`` tokens), the "@" at the start of the text or after a space or one of "([>",
    followed by a letter or a digit. Emphasis markers are transparent: ``**@Awa**`` at the start of a
    line or after a space is a mention (the markers are not text), ``mot**@Awa**`` is not (CommonMark
    does not open an emphasis there, so the "@" follows "*")."""
    link_depth, previous = 0, "\n"  # the start of a paragraph, cell or item is a boundary
    for token in children:
        if token.type in _EMPHASIS_MARKERS:
            continue
        if token.type == "link_open":
            link_depth += 1
        elif token.type == "link_close":
            link_depth -= 1
        elif token.type == "text" and not link_depth and "@" in token.content:
            text = token.content
            for match in _MENTION_AT_RE.finditer(text):
                at = match.start()
                before = text[at - 1] if at else previous
                if before.isspace() or before in _MENTION_BEFORE:
                    yield token, at
        previous = ("\n" if token.type in ("softbreak", "hardbreak")
                    else (token.content[-1:] or previous) if token.type in ("text", "text_special") else "x")


def _mention_children(children: list[Token], mentions: Mapping[str, str | None], names: list[str]) -> list[Token]:
    sites: dict[int, list[int]] = {}
    for token, at in _mention_sites(children):
        sites.setdefault(id(token), []).append(at)
    if not sites:
        return children
    result = []
    for token in children:
        if id(token) not in sites:
            result.append(token)
            continue
        text, start = token.content, 0
        for at in sites[id(token)]:
            if at < start:
                continue
            name = next((n for n in names if text[at + 1: at + 1 + len(n)].lower() == n
                         and not _continues_name(text[at + 1 + len(n): at + 2 + len(n)])), None)
            if name is None:
                continue
            end = at + 1 + len(name)
            if at > start:
                result.append(_text_token(text[start:at]))
            result.extend(_mention_tokens(text[at:end], mentions[name]))
            start = end
        if start < len(text):
            result.append(_text_token(text[start:]))
    return result


def _continues_name(char: str) -> bool:
    return bool(char) and (char.isalnum() or char in "_-")


def _text_token(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _mention_tokens(label: str, url: str | None) -> list[Token]:
    tag = "a" if url else "span"
    attrs = {"class": MENTION_CLASS, **({"href": url} if url else {})}
    return [Token("mention_open", tag, 1, attrs=attrs), _text_token(label), Token("mention_close", tag, -1)]


def quote_markdown(source: str, author: str) -> str:
    """A quotation of ``source`` (a post's Markdown, quoted as it is) as Markdown, attributed to
    ``author`` (used when replying), whose name is escaped: "*Awa*" or "Awa `CIO`" show as typed."""
    lines = source.strip().splitlines() or [""]
    quoted = "\n".join(f"> {line}" if line else ">" for line in lines)
    return f"> **{escape_text(' '.join(author.split()))}** :\n>\n{quoted}\n\n"


_TAG_RE = re.compile(r"<[^>]+>")
_BLOCKQUOTE_RE = re.compile(r"<(/?)blockquote\b[^>]*>", re.IGNORECASE)
_SPACE_RE = re.compile(r"\s+")


def count_links(value: str) -> int:
    """Links of sanitized HTML, mentions not counted (they link to a member's profile on this site)."""
    return value.count("<a ") - value.count(MENTION_LINK_START)


def unlink_mentions(value: str, url: str) -> str:
    """``value`` with its mention links to ``url`` replaced by their text (escaped as it was), e.g. once
    the member they name is deleted: what a new rendering would give for a name that is no mention."""
    pattern = re.compile(re.escape(MENTION_LINK_START + html.escape(url, quote=True) + '"') + r"[^>]*>([^<]*)</a>")
    return pattern.sub(r"\1", value)


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
