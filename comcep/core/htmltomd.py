"""Rich text (Wagtail HTML) -> Markdown, for exporting content edited in the admin.

Content imported from Markdown keeps its source and exports it unchanged; only text
edited in the admin since goes through this converter, which covers the features the
editors have (paragraphs, h2-h4, bold, italic, links, lists, quotes, line breaks)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from wagtail.rich_text import expand_db_html


class _Converter(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []  # [kind, counter]
        self.quote = 0
        self.href: list[str | None] = []

    def _block_break(self):
        text = "".join(self.out)
        if text and not text.endswith("\n\n"):
            self.out.append("\n" if text.endswith("\n") else "\n\n")

    def _prefix(self):
        return "> " * self.quote

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("p", "div"):
            self._block_break()
            self.out.append(self._prefix())
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._block_break()
            level = max(2, min(int(tag[1]), 4))
            self.out.append(self._prefix() + "#" * level + " ")
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag == "a":
            self.href.append(attrs.get("href"))
            self.out.append("[")
        elif tag == "br":
            self.out.append("\\\n" + self._prefix())
        elif tag in ("ul", "ol"):
            if not self.lists:
                self._block_break()
            self.lists.append([tag, 0])
        elif tag == "li":
            if "".join(self.out) and not "".join(self.out).endswith("\n"):
                self.out.append("\n")
            kind = self.lists[-1] if self.lists else ["ul", 0]
            kind[1] += 1
            indent = "   " * (len(self.lists) - 1)
            marker = f"{kind[1]}." if kind[0] == "ol" else "-"
            self.out.append(f"{self._prefix()}{indent}{marker} ")
        elif tag == "blockquote":
            self._block_break()
            self.quote += 1

    def handle_endtag(self, tag):
        if tag in ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6"):
            self.out.append("\n\n")
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag == "a":
            href = self.href.pop() if self.href else None
            self.out.append(f"]({href})" if href else "]")
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            if not self.lists:
                self.out.append("\n\n")
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self.out.append("\n\n")

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data)
        if not "".join(self.out).strip() or "".join(self.out).endswith(("\n", "> ", "- ", ". ", "# ")):
            text = text.lstrip()
        self.out.append(text)


def html_to_markdown(value: str) -> str:
    if not value:
        return ""
    parser = _Converter()
    parser.feed(expand_db_html(value))
    parser.close()
    text = "".join(parser.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
