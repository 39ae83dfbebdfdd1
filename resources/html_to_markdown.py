"""Markdown for bodies edited in the admin, for ``export_content``.

Imported bodies keep their Markdown source; a body edited in the admin (rich text in
Wagtail's stored format, plus structured blocks) is written back as Markdown here. Only
the subset the rich text editor produces is handled; anything else degrades to its text.
"""

from __future__ import annotations

from html.parser import HTMLParser

from wagtail.rich_text import expand_db_html


class _Converter(HTMLParser):
    BLOCKS = {"p", "h2", "h3", "h4", "li", "blockquote", "pre", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []  # stack of [tag, counter]
        self.href: list[str | None] = []
        self.quote = 0

    def _newblock(self):
        if self.out and not "".join(self.out).endswith("\n\n"):
            self.out.append("\n" if "".join(self.out[-1:]).endswith("\n") else "\n\n")

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("h2", "h3", "h4"):
            self._newblock()
            self.out.append("#" * int(tag[1]) + " ")
        elif tag == "p":
            self._newblock()
            if self.quote:
                self.out.append("> ")
        elif tag in ("ul", "ol"):
            if not self.lists:
                self._newblock()
            self.lists.append([tag, 0])
        elif tag == "li":
            if self.out and not self.out[-1].endswith("\n"):
                self.out.append("\n")
            kind = self.lists[-1] if self.lists else ["ul", 0]
            kind[1] += 1
            indent = "   " * (len(self.lists) - 1)
            self.out.append(f"{indent}{kind[1]}. " if kind[0] == "ol" else f"{indent}- ")
        elif tag in ("b", "strong"):
            self.out.append("**")
        elif tag in ("i", "em"):
            self.out.append("*")
        elif tag == "code":
            self.out.append("`")
        elif tag == "a":
            self.href.append(attrs.get("href"))
            self.out.append("[")
        elif tag == "br":
            self.out.append("  \n")
        elif tag == "hr":
            self._newblock()
            self.out.append("---")
        elif tag == "blockquote":
            self.quote += 1

    def handle_endtag(self, tag):
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            if not self.lists:
                self.out.append("\n\n")
        elif tag in ("b", "strong"):
            self.out.append("**")
        elif tag in ("i", "em"):
            self.out.append("*")
        elif tag == "code":
            self.out.append("`")
        elif tag == "a":
            href = self.href.pop() if self.href else None
            self.out.append(f"]({href})" if href else "]")
        elif tag in ("p", "h2", "h3", "h4"):
            self.out.append("\n\n")
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)

    def handle_data(self, data):
        if not data.strip() and (not self.out or self.out[-1].endswith("\n")):
            return
        self.out.append(data.replace("\n", " "))

    def markdown(self) -> str:
        text = "".join(self.out)
        lines = [line.rstrip() if not line.endswith("  ") else line for line in text.split("\n")]
        cleaned = "\n".join(lines)
        while "\n\n\n" in cleaned:
            cleaned = cleaned.replace("\n\n\n", "\n\n")
        return cleaned.strip()


def html_to_markdown(html: str) -> str:
    converter = _Converter()
    converter.feed(expand_db_html(html or ""))
    converter.close()
    return converter.markdown()


def body_to_markdown(body) -> str:
    parts: list[str] = []
    for block in body:
        value = block.value
        if block.block_type == "rich_text":
            parts.append(html_to_markdown(value.source))
        elif block.block_type == "heading":
            parts.append(f"## {value}")
        elif block.block_type == "callout":
            text = html_to_markdown(value["text"].source)
            parts.append("\n".join([f"> **{value['title']}**", ">", *[f"> {line}" if line else ">"
                                                                       for line in text.split("\n")]]))
        elif block.block_type == "steps":
            lines = [f"### {value['title']}", ""] if value["title"] else []
            for n, step in enumerate(value["steps"], start=1):
                detail = html_to_markdown(step["text"].source) if step["text"] else ""
                lines.append(f"{n}. **{step['title']}**" + (f" : {detail}" if detail else ""))
            parts.append("\n".join(lines))
        elif block.block_type == "quote":
            quote = "\n".join(f"> {line}" for line in value["text"].splitlines())
            parts.append(quote + (f"\n>\n> — {value['source']}" if value["source"] else ""))
        elif block.block_type == "video":
            url = value["video"].url if value["video"] else ""
            parts.append(f"[{value['title']}]({url})" if url else value["title"])
        elif block.block_type == "document":
            document = value["document"]
            if document is not None:
                parts.append(f"[{value['label'] or document.title}]({document.url})")
        elif block.block_type == "link":
            parts.append(f"[{value['title']}]({value['url']})"
                         + (f" — {value['description']}" if value["description"] else ""))
    return "\n\n".join(p for p in parts if p)
