"""User Markdown can format text but never inject HTML, scripts, styles or dangerous URLs."""

from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comcep.core.markdown import html_to_text, quote_markdown, render_markdown, sanitize_html

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "[clic](javascript:alert(1))",
    "[clic](JaVaScRiPt:alert(1))",
    "[clic](java&#x73;cript:alert(1))",
    "[clic](&#106;avascript:alert(1))",
    "[clic]( javascript:alert(1))",
    "[clic](vbscript:msgbox(1))",
    "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![image](javascript:alert(1))",
    "![x](https://tracker.example/pixel.gif)",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<p onclick=\"alert(1)\">x</p>",
    "<style>body{display:none}</style>",
    "[a](https://ok.example \"title\" onmouseover=alert(1))",
    "**<img src=x onerror=alert(1)>**",
    "> <script>alert(1)</script>",
    "- [x](javascript:alert(1))",
    "`<script>alert(1)</script>`",
    "<<script>script>alert(1)<</script>/script>",
    "[x](\\javascript:alert(1))",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<form action=\"https://evil.example\"><input name=a></form>",
    "<object data=\"evil.swf\"></object>",
    "[x](https://ok.example/\"onmouseover=\"alert(1))",
]


SAFE_TAGS = {"p", "a", "strong", "em", "del", "s", "code", "br", "blockquote", "ul", "ol", "li", "pre", "hr",
             "table", "thead", "tbody", "tr", "th", "td", "mark", "sub", "sup", "h2", "h3", "h4"}


class ActiveMarkup(HTMLParser):
    """Collects what a browser would treat as markup: tags, attributes and link targets."""

    def __init__(self):
        super().__init__()
        self.tags, self.attributes, self.hrefs = set(), set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.add(name)
            if name == "href":
                self.hrefs.append(value)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_payload_survives_as_active_html(payload):
    parser = ActiveMarkup()
    parser.feed(render_markdown(payload))
    assert parser.tags <= SAFE_TAGS, parser.tags
    assert parser.attributes <= {"href", "title", "rel", "start", "align", "class"}, parser.attributes
    for href in parser.hrefs:  # relative links (no scheme) stay on the site
        assert urlparse(href.strip()).scheme in ("", "http", "https", "mailto"), href


def test_formatting_is_kept():
    out = render_markdown("**gras**, *italique*, `code`\n\n- un\n- deux\n\n> citation")
    assert "<strong>gras</strong>" in out
    assert "<em>italique</em>" in out
    assert "<code>code</code>" in out
    assert "<li>un</li>" in out
    assert "<blockquote>" in out


def test_links_are_nofollow_ugc_noopener_and_urls_are_linkified():
    out = render_markdown("Voir https://www.service-public.fr/particuliers/vosdroits/F10705 et [Apec](https://www.apec.fr)")
    assert out.count('rel="nofollow ugc noopener"') == 2
    assert 'href="https://www.apec.fr"' in out
    assert 'href="https://www.service-public.fr/particuliers/vosdroits/F10705"' in out


def test_raw_html_is_shown_as_text_not_dropped():
    out = render_markdown("Utiliser <b>gras</b> ?")
    assert "&lt;b&gt;gras&lt;/b&gt;" in out


def test_headings_only_when_allowed():
    assert "<h2>" not in render_markdown("## Titre")
    assert "<h2>Titre</h2>" in render_markdown("## Titre", headings=True)


def test_headings_outside_h2_h4_keep_their_text_apart():
    """A member's "# Titre" (or "###### Note") is a heading of the allowed levels, not bare text glued
    to the next paragraph."""
    out = render_markdown("# Titre\n\nTexte\n\n###### Note\nSuite\n\nSoulignée\n=====", headings=True)
    assert out.split() == ["<h2>Titre</h2>", "<p>Texte</p>", "<h4>Note</h4>", "<p>Suite</p>", "<h2>Soulignée</h2>"]


def test_sanitize_html_keeps_safe_markup_and_drops_the_rest():
    out = sanitize_html('<p class="x">ok <a href="https://a.fr" onclick="x()">lien</a></p><script>x</script>')
    assert out == '<p>ok <a href="https://a.fr" rel="nofollow ugc noopener">lien</a></p>'


def test_quote_markdown_attributes_and_quotes_every_line():
    assert quote_markdown("ligne 1\nligne 2", "Awa D.") == "> **Awa D.** :\n>\n> ligne 1\n> ligne 2\n\n"


@settings(max_examples=200)
@given(st.text(alphabet="xé 09.\u00a0" + "!\"#$%&'()*+,-/:;<=>?@[\\]^_`{|}~", min_size=1, max_size=30)
       .map(str.strip).filter(bool))
def test_the_quoted_authors_name_shows_as_typed(name):
    """A display name is free text: "*Awa*" or "Awa `CIO`" in the quotation's header is not Markdown."""
    html = render_markdown(quote_markdown("Texte cité", name))
    header = html.split("</strong>")[0]
    assert header.startswith("<blockquote>\n<p><strong>")
    assert html_to_text(header) == " ".join(name.split()) and html_to_text(html).endswith(": Texte cité")


def test_html_to_text():
    assert html_to_text("<p>L&#x27;entretien <strong>VAE</strong></p>\n<p>suite</p>") == "L'entretien VAE suite"


def test_without_quotes_keeps_only_what_the_author_wrote():
    from comcep.core.markdown import html_to_text, quote_markdown, render_markdown, without_quotes

    inner = quote_markdown("Première idée", "Awa")
    source = quote_markdown(inner + "Je complète : le CPF suffit.", "Paul") + "D'accord avec vous deux."
    html = render_markdown(source)
    assert html.count("<blockquote>") == 2  # nested
    assert html_to_text(without_quotes(html)) == "D'accord avec vous deux."
    assert without_quotes(render_markdown("Pas de citation.")) == render_markdown("Pas de citation.")
    # Text between two quotations is kept; a stray closing tag does not swallow the rest.
    html = render_markdown("> a\n\nentre\n\n> b\n\nfin")
    assert html_to_text(without_quotes(html)) == "entre fin"
    assert html_to_text(without_quotes("</blockquote><p>reste</p>")) == "reste"


def test_clean_source_normalises_and_refuses_empty_or_too_long_text_in_french():
    from django.core.exceptions import ValidationError

    from comcep.core.markdown import clean_source

    assert clean_source("  \r\nBonjour,\r\n\r\nmerci.\r\n  ", 100) == "Bonjour,\n\nmerci."
    assert clean_source("x" * 20, 20) == "x" * 20
    with pytest.raises(ValidationError) as empty:
        clean_source(" \r\n ", 100)
    assert empty.value.message_dict == {"body": ["Le message ne peut pas être vide."]}
    with pytest.raises(ValidationError) as long:
        clean_source("x" * 21, 20, field="text")
    assert long.value.message_dict == {"text": ["Le message est trop long (21 caractères, 20 au maximum)."]}
