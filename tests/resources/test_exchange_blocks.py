"""Plain-text values of structured blocks (headings, callout and step titles, quotations, link and video
titles) in the content exchange: written escaped into the exported Markdown, so that an import reads
back the same text, in the same kind of element (docs/content-format.md, "Rich text edited in the admin")."""

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comcep.core import exchange
from comcep.core.markdown import render_markdown
from resources.exchange import body_to_markdown
from resources.models import ResourcePage
from tests.resources.test_exchange import document

# Letters that make no web address (linkify has no escape, see tests/core/test_htmltomd.py), every ASCII
# punctuation, leading digits and dots ("1. étape"), no-break spaces.
LINE = st.text(alphabet="xé 019.\u00a0" + "!\"#$%&'()*+,-/:;<=>?@[\\]^_`{|}~", min_size=1, max_size=30)
TITLE = LINE.map(str.strip).filter(bool)  # what the admin's form keeps of a one-line field
TEXT = st.lists(LINE | st.just(""), min_size=1, max_size=5).map("\n".join).map(str.strip).filter(bool)

STREAM = ResourcePage.body.field.stream_block
_TAG = re.compile(r"<[^>]+>")
_LINE_END = re.compile(r"<br\s*/?>|</(?:p|li|h\d|blockquote)>")


def norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def visible_lines(value: str) -> list[str]:
    """The lines a reader sees in HTML, white space folded, empty lines left out."""
    text = html.unescape(_TAG.sub("", _LINE_END.sub("\n", value)))
    return [norm(line) for line in text.split("\n") if norm(line)]


def texts(value: str, tag: str) -> list[str]:
    return [norm(html.unescape(_TAG.sub("", inner))) for inner in re.findall(rf"<{tag}>(.*?)</{tag}>", value, re.S)]


def read_back(blocks: list) -> str:
    """The blocks (raw StreamField data) exported to Markdown, then imported as the import renders it."""
    markdown = body_to_markdown(STREAM.to_python([{"type": t, "value": v} for t, v in blocks]))
    return render_markdown(markdown, headings=True)


@settings(max_examples=200)
@given(TITLE)
def test_a_heading_reads_back_as_the_same_heading(title):
    value = read_back([("heading", title)])
    assert texts(value, "h2") == [norm(title)] and visible_lines(value) == [norm(title)]


@settings(max_examples=200)
@given(TITLE, TITLE)
def test_a_callout_title_reads_back_as_the_same_bold_line(title, text):
    value = read_back([("callout", {"title": title, "text": f"<p>{html.escape(text)}</p>"})])
    assert value.startswith("<blockquote>") and value.count("<blockquote>") == 1
    assert texts(value, "strong") == [norm(title)]
    assert visible_lines(value) == [norm(title), norm(text)]


@settings(max_examples=200)
@given(st.one_of(st.just(""), TITLE), st.lists(st.tuples(TITLE, st.one_of(st.just(""), TITLE)), min_size=1, max_size=3))
def test_steps_read_back_as_the_same_title_and_numbered_steps(title, steps):
    value = read_back([("steps", {"title": title, "steps": [
        {"title": step, "text": f"<p>{html.escape(detail)}</p>" if detail else ""} for step, detail in steps]})])
    assert texts(value, "h3") == ([norm(title)] if title else [])
    assert value.count("<ol>") == 1 and value.count("<li>") == len(steps)
    assert texts(value, "strong") == [norm(step) for step, _detail in steps]
    assert visible_lines(value) == ([norm(title)] if title else []) + [
        norm(step) + (f" : {norm(detail)}" if detail else "") for step, detail in steps]


def test_a_step_detail_of_several_blocks_stays_in_its_step():
    value = read_back([("steps", {"title": "", "steps": [
        {"title": "1. Première", "text": "<p>Un</p><ul><li>a</li><li>b</li></ul><p>Deux</p>"},
        {"title": "Seconde", "text": "<p>Trois</p>"}]})])
    assert value.count("<ol>") == 1 and value.count("<li>") == 4  # two steps, two items of the detail's list
    assert visible_lines(value) == ["1. Première :", "Un", "a", "b", "Deux", "Seconde : Trois"]


@settings(max_examples=200)
@given(TEXT, st.one_of(st.just(""), TITLE))
def test_a_quotation_reads_back_as_the_same_lines(text, source):
    value = read_back([("quote", {"text": text, "source": source})])
    assert value.count("<blockquote>") == 1 and value.startswith("<blockquote>")
    assert visible_lines(value) == [norm(line) for line in text.split("\n") if norm(line)] + (
        [f"— {norm(source)}"] if source else [])


@settings(max_examples=200)
@given(TITLE, st.one_of(st.just(""), TEXT))
def test_a_link_title_and_description_read_back_as_the_same_text(title, description):
    value = read_back([("link", {"url": "https://exemple.fr/page(1)", "title": title, "description": description})])
    links = re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', value)
    assert [(href, norm(html.unescape(label))) for href, label in links] == [
        ("https://exemple.fr/page(1)", norm(title))]
    assert visible_lines(value) == [norm(title) + (f" — {norm(description)}" if norm(description) else "")]


@settings(max_examples=100)
@given(TITLE)
def test_a_video_without_address_reads_back_as_its_title(title):
    value = read_back([("video", {"video": None, "title": title, "transcript": ""})])
    assert visible_lines(value) == [norm(title)] and "<a " not in value


@pytest.mark.django_db
def test_structured_blocks_edited_in_the_admin_export_and_import_back_as_the_same_text():
    exchange.import_content(document())
    page = ResourcePage.objects.get()
    page.body = [("heading", "*Important* : 1. étape"), ("heading", "# dièse"),
                 ("callout", {"title": "2. _À retenir_", "text": "<p>Essentiel</p>"}),
                 ("steps", {"title": "> Étapes", "steps": [{"title": "- Une [étape]", "text": "<p>Détail</p>"}]}),
                 ("quote", {"text": "> pas une citation dans la citation\n1. ni une liste", "source": "Awa `A.`"})]
    page.save_revision().publish()
    exported = exchange.export_content()
    body = exported["resources"][0]["body"]
    assert body.startswith("## \\*Important\\* : 1. étape\n\n## # dièse\n\n> **2\\. \\_À retenir\\_**")
    exported.pop("members", None)
    exchange.import_content(exported)
    value = ResourcePage.objects.get().body[0].value.source
    assert texts(value, "h2") == ["*Important* : 1. étape", "# dièse"]
    assert texts(value, "h3") == ["> Étapes"]
    assert texts(value, "strong") == ["2. _À retenir_", "- Une [étape]"]
    assert value.count("<blockquote>") == 2 and value.count("<ol>") == 1 and "<ul>" not in value  # the steps
    assert visible_lines(value)[-3:] == ["> pas une citation dans la citation", "1. ni une liste", "— Awa `A.`"]
