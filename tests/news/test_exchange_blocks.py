"""News bodies edited in the admin: the plain-text values of their heading and quote blocks are escaped in
the exported Markdown and import back as the same text (docs/content-format.md)."""

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comcep.core import exchange
from comcep.core.markdown import render_markdown
from comcep.news.exchange import body_markdown
from comcep.news.models import NewsPage
from tests.events.test_exchange import DOCUMENT
from tests.factories import UserFactory
from tests.resources.test_exchange_blocks import TEXT, TITLE, norm, texts, visible_lines

STREAM = NewsPage.body.field.stream_block


@pytest.fixture
def organiser(db):
    return UserFactory(email="awa.diallo@example.fr")  # the organiser of DOCUMENT's events


def read_back(blocks: list) -> str:
    page = NewsPage(body=STREAM.to_python([{"type": t, "value": v} for t, v in blocks]), body_source="")
    return render_markdown(body_markdown(page), headings=True)


@settings(max_examples=200)
@given(TITLE)
def test_a_heading_reads_back_as_the_same_heading(title):
    value = read_back([("heading", title)])
    assert texts(value, "h2") == [norm(title)] and visible_lines(value) == [norm(title)]


@settings(max_examples=200)
@given(TEXT, st.one_of(st.just(""), TITLE))
def test_a_quote_reads_back_as_the_same_lines(text, attribution):
    value = read_back([("quote", {"quote": text, "attribution": attribution})])
    assert value.count("<blockquote>") == 1 and value.startswith("<blockquote>")
    assert visible_lines(value) == [norm(line) for line in text.split("\n") if norm(line)] + (
        [f"— {norm(attribution)}"] if attribution else [])


def test_a_quote_is_plain_text_even_when_it_looks_like_html():
    value = read_back([("quote", {"quote": "Le <b>seul</b> choix : a < b", "attribution": ""})])
    assert visible_lines(value) == ["Le <b>seul</b> choix : a < b"]  # as the page shows it (escaped)


@pytest.mark.django_db
def test_a_news_body_edited_in_the_admin_imports_back_with_the_same_heading_and_quote(organiser):
    exchange.import_content(copy.deepcopy(DOCUMENT))
    page = NewsPage.objects.get()
    page.body = [("heading", "1. *Réforme* #"), ("paragraph", "<p>Texte</p>"),
                 ("quote", {"quote": "# Pas un titre\n- ni une liste", "attribution": "[Ministère]"})]
    page.save_revision().publish()
    exported = exchange.export_content()
    assert exported["news"][0]["body"].startswith("## 1. \\*Réforme\\* \\#\n\nTexte\n\n> \\# Pas un titre")
    exchange.import_content({"format": exported["format"], "news": exported["news"]})
    value = NewsPage.objects.get().body[0].value.source
    assert texts(value, "h2") == ["1. *Réforme* #"]
    assert visible_lines(value) == ["1. *Réforme* #", "Texte", "# Pas un titre", "- ni une liste", "— [Ministère]"]

