"""Rich text (Wagtail HTML) -> Markdown, for exporting content edited in the admin.

The one converter of the content exchange (``export_content``): events' descriptions, news
bodies and resources' bodies. Content imported from Markdown keeps its source and exports it
unchanged; only text edited in the admin since goes through here, and the result is read back
on import by :func:`comcep.core.markdown.render_markdown` (``headings=True``), so what is
written is what that renderer turns back into the same HTML.

Covered: what the admin's rich text editors produce (paragraphs, h2-h4, bold, italic, inline
code, strikethrough, links to URLs, pages and documents, nested lists, quotes, horizontal
rules, line breaks) and what ``render_markdown`` itself produced for imported bodies
(code blocks too). Text is escaped where it would otherwise read as Markdown. Internal page
and document links are written with the URL they have when exported. Images, embeds and
tables are not part of the exchange format: images and embeds are left out, a table
degrades to its text. See docs/content-format.md "Rich text edited in the admin".
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from wagtail.rich_text import expand_db_html

from comcep.core.mdescape import escape_text

# HTML white space; no-break and thin spaces (French typography) are text and are kept.
_SPACE = re.compile(r"[ \t\n\r\f]+")
_INLINE = {"strong": "**", "b": "**", "em": "*", "i": "*", "s": "~~", "del": "~~", "strike": "~~"}
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _code_span(text: str) -> str:
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _link_target(href: str) -> str:
    href = href.replace(" ", "%20")
    if href.count("(") != href.count(")"):
        href = href.replace("(", "%28").replace(")", "%29")
    return href


class _Converter(HTMLParser):
    """Writes lines lazily: a block start only records what the next text owes (line ends,
    quote marks, list marker), so empty elements write nothing; inline marks are written when
    their element closes, around its text with the spaces moved outside ("**gras** ici")."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.need = 0              # line ends owed before the next text: 1 a new line, 2 a blank line
        self.quote = 0             # depth of blockquotes
        self.shared_quote = 0      # depth of the quotes the last written line is still in
        self.lists: list[list] = []  # [tag, counter, width of its items' marker (3 at least)]
        self.marker = ""           # list item or heading marker owed to the next text
        self.line_start = True     # the next text begins a line: block syntax is escaped
        self.fresh = True          # nothing written on the current line yet
        self.inline: list[list] = []  # open inline elements: [tag, href, index in out or None]
        self.pre: list[str] | None = None
        self.pre_language = ""
        self.code = 0
        self.heading = False
        self.breaks = 0            # line breaks owed to the next text of the current block

    # --- lines --------------------------------------------------------------------------

    def _block(self, lines: int = 2):
        self.need = max(self.need, lines)
        self.line_start = True

    def _end_block(self, lines: int = 2):
        self._block(lines)
        self.marker = ""

    def _flush_marker(self):
        """An empty item or heading still has its marker (as an empty line has its bullet)."""
        if self.marker:
            self._write("")

    def _list_indent(self, levels) -> str:
        return " " * sum(level[2] for level in levels)

    def _write(self, text: str):
        if self.breaks and not self.need:
            self.out.append(("\\\n" + "> " * self.quote) * self.breaks)
        self.breaks = 0
        if self.need or not self.out:
            if self.out:
                shared = min(self.shared_quote, self.quote)
                self.out.append("\n" + ("> " * shared + "\n" if self.need >= 2 else ""))
            indent = "" if self.marker else self._list_indent(self.lists)
            self.out.append("> " * self.quote + indent + self.marker)
            self.need, self.marker, self.fresh = 0, "", True
            self.shared_quote = self.quote
            for element in self.inline:
                if element[2] is None:
                    element[2] = len(self.out)
        self.out.append(text)
        self.fresh = False

    # --- tags ---------------------------------------------------------------------------

    def handle_starttag(self, tag, attrs):
        if self.pre is not None:
            if tag == "code":
                language = dict(attrs).get("class") or ""
                self.pre_language = language.removeprefix("language-") if language.startswith("language-") else ""
            return
        if tag in ("p", "div"):
            self._block()
        elif tag in _HEADINGS:
            self._end_block()
            self.marker = "#" * max(2, min(int(tag[1]), 4)) + " "
            self.line_start = False
            self.heading = True
        elif tag in ("ul", "ol"):
            self._flush_marker()  # an item that begins with a list
            self._end_block(1 if self.lists else 2)
            self.lists.append([tag, 0, 3])
        elif tag == "li":
            if not self.lists:
                self.lists.append(["ul", 0, 3])
            level = self.lists[-1]
            level[1] += 1
            marker = f"{level[1]}. " if level[0] == "ol" else "- "
            level[2] = max(3, len(marker))
            self._block(1)
            self.marker = self._list_indent(self.lists[:-1]) + marker
        elif tag == "blockquote":
            self._end_block()
            self.quote += 1
        elif tag == "hr":
            self._end_block()
            self._write("---")
            self._end_block()
        elif tag == "br" and self.heading:  # a Markdown heading is one line
            self.handle_data(" ")
        elif tag == "br":
            if self.out and not self.need:  # owed to the next text of the block: none at its start or end
                self.breaks += 1
                self.line_start = self.fresh = True
        elif tag == "pre":
            self._end_block()
            self.pre, self.pre_language = [], ""
        elif tag in _INLINE or tag in ("a", "code"):
            self.code += tag == "code"
            start = None if self.need or not self.out else len(self.out)
            self.inline.append([tag, dict(attrs).get("href"), start])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "hr"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.pre is not None:
            if tag == "pre":
                self._end_pre()
            return
        if tag in ("p", "div"):
            self._end_block()
        elif tag in _HEADINGS:
            if self.marker:
                self._flush_marker()
            else:
                self._end_heading()
            self._end_block()
            self.heading = False
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._end_block(1 if self.lists else 2)
        elif tag == "li":
            self._flush_marker()
            self._end_block(1)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self.shared_quote = min(self.shared_quote, self.quote)
            self._end_block()
        elif tag in _INLINE or tag in ("a", "code"):
            self._end_inline(tag)

    def _end_heading(self):
        """"## Note #": Markdown drops a heading's closing "#"s; text ending so is escaped."""
        tail = "".join(self.out[-3:])
        if closing := re.search(r"(?:^|\s)(#+)\s*$", tail):
            del self.out[-3:]
            self.out.append(tail[: closing.start(1)] + "\\" + tail[closing.start(1):])

    def _end_inline(self, tag):
        positions = [i for i, element in enumerate(self.inline) if element[0] == tag]
        if not positions:
            return
        _, href, start = self.inline[positions[-1]]
        del self.inline[positions[-1]:]  # elements left open inside it end with it
        if tag == "code":
            self.code = sum(element[0] == "code" for element in self.inline)
        if start is None:  # no text since it began
            return
        content = "".join(self.out[start:])
        text = content.strip()  # spaces (no-break ones too) at its edges go outside the marks
        if not text:
            return
        del self.out[start:]
        lead = content[: len(content) - len(content.lstrip())]
        trail = content[len(content.rstrip()):]
        if tag == "a":
            text = f"[{text}]({_link_target(href)})" if href else text
        elif tag == "code":
            text = _code_span(text)
        else:
            text = f"{_INLINE[tag]}{text}{_INLINE[tag]}"
        self.out.append(lead + text + trail)

    def _end_pre(self):
        text = "".join(self.pre).strip("\n")
        self.pre = None
        if text:
            fence = "```"
            while fence in text:
                fence += "`"
            self._write(fence + self.pre_language)
            prefix = "> " * self.quote + self._list_indent(self.lists)
            for line in [*text.split("\n"), fence]:
                self.out.append("\n" + (prefix + line if line else prefix))
        self._end_block()

    # --- text ---------------------------------------------------------------------------

    def handle_data(self, data):
        if self.pre is not None:
            self.pre.append(data)
            return
        text = _SPACE.sub(" ", data)
        if self.need or self.fresh:
            text = text.lstrip(" ")
        if not text or (self.breaks or self.marker) and text.isspace():  # Markdown strips it there
            return
        if not self.code:
            text = escape_text(text, line_start=self.line_start)
            if any(element[0] in _INLINE for element in self.inline):
                text = _escape_edges(text)
                if any(_INLINE.get(element[0]) == "~~" for element in self.inline):
                    text = _escape_tildes(text)
        self._write(text)
        if text.strip():  # only spaces (no-break ones too) are stripped at the line's start: it still begins
            self.line_start = False  # with the next text ("<b>\xa0</b> #" is the paragraph "#", not a heading)


def _escape_edges(text: str) -> str:
    """``text`` (escaped, inside bold, italics or strikethrough) with a mark character escaped where it
    stands between the text and a space at its start or end. Between spaces "*", "_" or "~" is prose
    and left as it is ("2 * 3"); but the spaces at an element's edges go outside its marks, and the
    character would then touch them ("<b>0 * </b>" is not "**0 ***")."""
    core = text.strip()
    if not core or core == text:
        return text
    start = len(text) - len(text.lstrip())
    end = start + len(core) - 1
    backslashes = end - len(text[:end].rstrip("\\"))
    if text[end] in "*_~" and backslashes % 2 == 0 and end < len(text) - 1:
        text = text[:end] + "\\" + text[end:]
    if start and text[start] in "*_~":
        text = text[:start] + "\\" + text[start:]
    return text


def _escape_tildes(text: str) -> str:
    """``text`` (escaped, inside strikethrough) with every "~" escaped: a lone "~" is prose elsewhere, but
    next to the element's "~~" it makes "~~~" (a code fence at a line's start) or ends it early."""
    out, backslashes = [], 0
    for ch in text:
        if ch == "~" and backslashes % 2 == 0:
            out.append("\\")
        out.append(ch)
        backslashes = backslashes + 1 if ch == "\\" else 0
    return "".join(out)


def html_to_markdown(value: str) -> str:
    """Markdown for rich text as Wagtail stores it (``RichTextField`` / ``RichTextBlock`` source)."""
    if not value:
        return ""
    parser = _Converter()
    parser.feed(expand_db_html(value))
    parser.close()
    if parser.pre is not None:
        parser._end_pre()
    text = "".join(parser.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def text_html(text: str, *, paragraphs: bool = False) -> str:
    """Plain text (a structured block's title, a quotation typed in a text area) as the HTML that shows
    it, to be written by :func:`html_to_markdown`, which escapes it: the Markdown then reads back as the
    same text. Line ends are spaces (a title is one line); with ``paragraphs`` a line end is a line break
    and a blank line starts a new paragraph (each in ``<p>``)."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if not paragraphs:
        return html.escape(text, quote=False)
    return "".join("<p>" + "<br>".join(html.escape(line, quote=False) for line in block.split("\n")) + "</p>"
                   for block in re.split(r"\n[ \t]*\n", text.strip("\n")) if block.strip())


def blockquote_markdown(text: str, attribution: str = "") -> str:
    """Plain ``text`` (line ends kept, a blank line between paragraphs) as a Markdown quotation, with an
    optional attribution line "— Source", all of it escaped (quote blocks of news and resources)."""
    source = f"<p>— {text_html(attribution)}</p>" if (attribution or "").strip() else ""
    return html_to_markdown(f"<blockquote>{text_html(text, paragraphs=True)}{source}</blockquote>")
