"""Rich text edited in the admin -> Markdown (``comcep.core.htmltomd``), the one converter of the
content exchange: what an export writes must import back (``render_markdown(headings=True)``) as
the same content, for events, news and resources alike."""

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wagtail.rich_text import expand_db_html

from comcep.core.htmltomd import blockquote_markdown, escape_text, html_to_markdown
from comcep.core.markdown import render_markdown, sanitize_html

DEMO = Path(__file__).resolve().parents[2] / "comcep" / "core" / "demo"

# --- what the reader sees --------------------------------------------------------------------

_RENAME = {"b": "strong", "i": "em", "del": "s", "strike": "s", "h1": "h2", "h5": "h4", "h6": "h4", "div": "p"}
_BLOCKS = "blockquote|br|h2|h3|h4|hr|li|ol|p|pre|ul"


class _Canonical(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.pre = 0

    def handle_starttag(self, tag, attrs):
        self.pre += tag == "pre"
        kept = [(k, (v or "").replace(" ", "%20")) for k, v in attrs
                if (tag, k) in {("a", "href"), ("code", "class"), ("ol", "start")}]
        attributes = "".join(f' {k}="{html.escape(v)}"' for k, v in kept)
        self.out.append(f"<{tag}{attributes}>")

    def handle_endtag(self, tag):
        self.pre -= tag == "pre"
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(html.escape(data if self.pre else re.sub(r"[ \t\n\r\f]+", " ", data), quote=False))


def canonical(value: str) -> str:
    """HTML reduced to what a reader sees: the same blocks, emphasis, text and link targets
    (``<b>`` is ``<strong>``, a Draftail quote's text is its paragraph, spaces at the edge of a
    bold word are outside it, a link without a target is text)."""
    for old, new in _RENAME.items():
        value = re.sub(rf"<(/?){old}\b", rf"<\1{new}", value)
    value = re.sub(r"<a(?![^>]*\bhref=)[^>]*>(.*?)</a>", r"\1", value)
    parser = _Canonical()
    parser.feed(sanitize_html(value, headings=True))
    parser.close()
    text = "".join(parser.out)
    text = re.sub(r"<(h\d)>.*?</\1>", lambda m: m.group(0).replace("<br>", " "), text)  # headings are one line
    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"<(strong|em|s|code)>(\s+)", r"\2<\1>", text)
        text = re.sub(r"(\s+)</(strong|em|s|code)>", r"</\2>\1", text)
        text = re.sub(r"<(strong|em|s|code|a)\b[^>]*></\1>", "", text)
        text = re.sub(r"<strong><em>([^<]*)</em></strong>", r"<em><strong>\1</strong></em>", text)
    text = re.sub(r"(<pre>.*?</pre>)|  +", lambda m: m.group(1) or " ", text, flags=re.S)
    text = re.sub(rf"[ \xa0]*(</?(?:{_BLOCKS})\b[^>]*>)[ \xa0]*", r"\1", text)
    text = re.sub(r"\s*</code>\s*</pre>", "</code></pre>", text)  # the code block's last line end
    text = re.sub(r"<blockquote>(?!<(?:p|ul|ol|blockquote|h\d|pre|hr)\b)", "<blockquote><p>", text)
    text = re.sub(r"(?<!</p>)(?<!</ul>)(?<!</ol>)(?<!</blockquote>)</blockquote>", "</p></blockquote>", text)
    for _ in range(3):  # a break at a block's edge, then the empty blocks it leaves
        text = re.sub(r"<p></p>|<blockquote></blockquote>|<br>(?=</(?:p|li|h\d)>)|(?<=<p>)<br>|(?<=<li>)<br>", "", text)
    text = re.sub(r"<li><p>(.*?)</p></li>", r"<li>\1</li>", text)
    return text if not text or text.startswith("<") else f"<p>{text}</p>"


def read_back(markdown: str) -> str:
    return canonical(render_markdown(markdown, headings=True))


# --- corpus ------------------------------------------------------------------------------------

# Rich text as the admin's editor (Draftail) stores it, then odd and hostile input.
ADMIN = {
    "paragraphs": '<p data-block-key="a1b2c">Un paragraphe.</p><p data-block-key="d3e4f">Un autre.</p>',
    "h2": '<h2 data-block-key="k1">Titre</h2><p data-block-key="k2">Texte</p>',
    "h3": '<h3 data-block-key="k1">Sous-titre</h3><p data-block-key="k2">Texte</p>',
    "h4": '<h4 data-block-key="k1">Petit titre</h4><p data-block-key="k2">Texte</p>',
    "bold italic": '<p data-block-key="k">Du <b>gras</b>, de l\'<i>italique</i> et <b><i>les deux</i></b>.</p>',
    "link": '<p data-block-key="k">Voir <a href="https://www.francecompetences.fr/">France compétences</a>.</p>',
    "mailto": '<p data-block-key="k">Écrire à <a href="mailto:a@example.fr">a@example.fr</a></p>',
    "bold link": '<p data-block-key="k"><a href="https://example.fr/"><b>gras lié</b></a></p>',
    "ul": '<ul><li data-block-key="a">un</li><li data-block-key="b">deux</li></ul>',
    "ol": '<ol><li data-block-key="a">un</li><li data-block-key="b">deux</li><li data-block-key="c">trois</li></ol>',
    "nested ul": '<ul><li data-block-key="a">un<ul><li data-block-key="b">un-un</li>'
                 '<li data-block-key="c">un-deux</li></ul></li><li data-block-key="d">deux</li></ul>',
    "nested ol": '<ol><li data-block-key="a">un<ol><li data-block-key="b">un-un</li></ol></li>'
                 '<li data-block-key="d">deux</li></ol>',
    "nested under item 10": "<ol>" + "".join(f"<li>{n}</li>" for n in range(1, 10))
                            + "<li>dix<ul><li>sous dix</li></ul></li></ol>",
    "list then paragraph": '<ul><li data-block-key="a">un</li></ul><p data-block-key="b">Après.</p>',
    "paragraph then list": '<p data-block-key="b">Avant :</p><ol><li data-block-key="a">un</li></ol>',
    "list with links": '<ul><li><a href="https://example.fr/a">A</a> et <b>B</b></li><li>C</li></ul>',
    "quote": '<blockquote data-block-key="q">Une citation</blockquote><p data-block-key="p">Texte</p>',
    "two quotes": '<blockquote data-block-key="q">Une</blockquote><blockquote data-block-key="r">Deux</blockquote>',
    "quote of paragraphs": "<blockquote><p>Un</p><p>Deux</p></blockquote>",
    "list in quote": "<blockquote><ul><li>un</li><li>deux</li></ul></blockquote>",
    "line break": '<p data-block-key="k">Ligne un<br/>Ligne deux</p>',
    "two line breaks": "<p>Ligne un<br/><br/>Ligne trois</p>",
    "line break at the end": "<p>Ligne<br/></p><p>Suite</p>",
    "line break in quote": "<blockquote><p>a<br>b</p></blockquote>",
    "line break in item": "<ul><li>a<br>b</li></ul>",
    "hr": '<p data-block-key="a">Avant</p><hr/><p data-block-key="b">Après</p>',
    "code": '<p data-block-key="a">Tapez <code>make test</code> ici</p>',
    "code with backtick": "<p><code>a`b</code></p>",
    "code keeps specials": "<p><code>*_[x]_*</code></p>",
    "code block": '<pre><code class="language-python">if a:\n    print("*")\n\nfin</code></pre>',
    "strikethrough": '<p data-block-key="a">Du <s>barré</s> texte</p>',
    "empty paragraph": '<p data-block-key="a"></p><p data-block-key="b">Texte</p>',
    "empty heading": "<h2></h2><p>Texte</p>",
    "empty item": "<ul><li></li><li>deux</li></ul>",
    "h1": "<h1>Grand titre</h1><p>Texte</p>",
    "h5": "<h5>Petit</h5><p>Texte</p>",
    "div": "<div>Bloc</div><div>Autre</div>",
    "nested inline": "<p><b>gras <i>et italique</i> fin</b> normal</p>",
    "spaces inside bold": "<p>Du<b> gras </b>ici</p>",
    "white space": "<p>\n  Texte   avec\n\tespaces  \n</p>\n\n<p>  Deux </p>",
    "entities": "<p>Tom &amp; Jerry &lt;b&gt; &eacute;t&eacute; &nbsp;fin &#8212; tiret</p>",
    "no-break spaces": "<p>Avant\u00a0: «\u202fguillemets\u202f»</p>",
    "markdown characters": "<p>2 * 3 * 4 = 24, a_b_c, [pas un lien](x), `code`, # pas un titre, C:\\dossier</p>",
    "markdown at line start": "<p># Pas un titre</p><p>- pas une liste</p><p>1. pas une liste</p>"
                              "<p>&gt; pas une citation</p><p>+ plus</p><p>2026. Une année</p><p>---</p>",
    "markdown after a break": "<p>Titre<br>---<br>- pas une liste<br>3) non plus</p>",
    "table row after a break": "<p>a | b<br>-|-</p>",
    "backslash at the edge of bold": "<p><b>C:\\ </b>dossier</p>",
    "star after a no-break space": "<p>\u00a0* étoile</p>",
    "emphasis characters": "<p>*pas italique* et **pas gras** et _pas non plus_</p>",
    "tildes": "<p>~~pas barré~~</p>",
    "entity as text": "<p>&amp;eacute; reste tel quel</p>",
    "empty inline": "<p><b></b>Texte<i></i></p>",
    "link without target": "<p><a>ancre</a></p>",
    "loose list": "<ul><li><p>un</p></li><li><p>deux</p></li></ul>",
    "bold heading": "<h2><b>Titre</b> gras</h2>",
    "numbered heading": "<h2>1. Préparer</h2>",
    "link with parentheses": '<p><a href="https://fr.wikipedia.org/wiki/Conseil_(France)">wiki</a></p>',
    "link with a space": '<p><a href="https://example.fr/a b">espace</a></p>',
    "brackets in link text": '<p><a href="https://example.fr/">[crochets]</a></p>',
    "pipe": "<p>a | b</p>",
    "image is left out": '<p>Avant</p><embed alt="Logo" embedtype="image" format="fullwidth" id="999"/><p>Après</p>',
}


def demo_bodies():
    """Every rich text of the demo content, as an import stores it."""
    bodies = {}
    for path in sorted(DEMO.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for section, field in (("resources", "body"), ("events", "description"), ("news", "body")):
            for item in data.get(section, []):
                if item.get(field):
                    bodies[f"{section}/{item['slug']}"] = render_markdown(item[field], headings=True)
    return bodies


DEMO_BODIES = demo_bodies()
TABLES = {name for name, body in DEMO_BODIES.items() if "<table>" in body}


# --- round trips -------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("name", ADMIN)
def test_admin_rich_text_reads_back_as_the_same_content(name):
    value = ADMIN[name]
    assert read_back(html_to_markdown(value)) == canonical(expand_db_html(value))


@pytest.mark.parametrize("name", sorted(set(DEMO_BODIES) - TABLES))
def test_demo_content_reads_back_as_the_same_content(name):
    assert read_back(html_to_markdown(DEMO_BODIES[name])) == canonical(DEMO_BODIES[name])


def test_the_demo_content_is_a_real_corpus():
    assert len(DEMO_BODIES) >= 50 and len(TABLES) == 1


@pytest.mark.django_db
def test_internal_page_and_document_links_are_written_with_their_url():
    from tests.factories.events import EventPageFactory
    from tests.factories.resources import make_document

    event = EventPageFactory(slug="rencontre")
    document = make_document(name="programme.pdf")
    value = (f'<p>Voir <a linktype="page" id="{event.pk}">la rencontre</a> et le '
             f'<a linktype="document" id="{document.pk}">programme</a>.</p>')
    markdown = html_to_markdown(value)
    assert markdown == f"Voir [la rencontre](/agenda/rencontre/) et le [programme]({document.url})."
    assert read_back(markdown) == canonical(expand_db_html(value))
    # a link to a page deleted since is its text
    assert html_to_markdown('<p>Voir <a linktype="page" id="999999">disparue</a>.</p>') == "Voir disparue."


# --- exact output ------------------------------------------------------------------------------

# What both former converters (events/news and resources) wrote alike: kept to the character.
UNCHANGED = {
    "<p>Du <b>gras</b> et une liste :</p><ul><li>un</li></ul>": "Du **gras** et une liste :\n\n- un",
    ADMIN["paragraphs"]: "Un paragraphe.\n\nUn autre.",
    ADMIN["h2"]: "## Titre\n\nTexte",
    ADMIN["h4"]: "#### Petit titre\n\nTexte",
    ADMIN["bold italic"]: "Du **gras**, de l'*italique* et ***les deux***.",
    ADMIN["link"]: "Voir [France compétences](https://www.francecompetences.fr/).",
    ADMIN["bold link"]: "[**gras lié**](https://example.fr/)",
    ADMIN["nested ul"]: "- un\n   - un-un\n   - un-deux\n- deux",
    ADMIN["nested ol"]: "1. un\n   1. un-un\n2. deux",
    ADMIN["list then paragraph"]: "- un\n\nAprès.",
    ADMIN["paragraph then list"]: "Avant :\n\n1. un",
    ADMIN["nested inline"]: "**gras *et italique* fin** normal",
    ADMIN["bold heading"]: "## **Titre** gras",
    ADMIN["numbered heading"]: "## 1. Préparer",
    "<blockquote><p>Une citation</p></blockquote><p>Texte</p>": "> Une citation\n\nTexte",
    "<p>2 * 3, a_b_c, C:\\dossier, 1er janvier, 50 %, 10-12 ans, « citation » !</p>":
        "2 * 3, a_b_c, C:\\dossier, 1er janvier, 50 %, 10-12 ans, « citation » !",
    ADMIN["pipe"]: "a | b",
    "": "",
}


@pytest.mark.django_db
@pytest.mark.parametrize("value", UNCHANGED)
def test_what_both_former_converters_wrote_is_unchanged(value):
    assert html_to_markdown(value) == UNCHANGED[value]


# Where the two former converters differed, or both lost content: the output chosen, and why.
CHOSEN = [
    # Line breaks: events/news wrote "\" + new line, resources two trailing spaces (which editors
    # and our own clean-up strip); both read back as <br>. The visible backslash is kept.
    (ADMIN["line break"], "Ligne un\\\nLigne deux"),
    (ADMIN["two line breaks"], "Ligne un\\\n\\\nLigne trois"),
    (ADMIN["line break at the end"], "Ligne\n\nSuite"),
    (ADMIN["line break in quote"], "> a\\\n> b"),
    (ADMIN["line break in item"], "- a\\\nb"),
    # Rules and inline code: only resources wrote them (events/news dropped them).
    (ADMIN["hr"], "Avant\n\n---\n\nAprès"),
    (ADMIN["code"], "Tapez `make test` ici"),
    (ADMIN["code with backtick"], "``a`b``"),
    (ADMIN["code block"], '```python\nif a:\n    print("*")\n\nfin\n```'),
    # Strikethrough (resources' editor has it): neither wrote it.
    (ADMIN["strikethrough"], "Du ~~barré~~ texte"),
    # h1, h5, h6, div: events/news mapped them (h2-h4, paragraph); resources ran them into the text.
    (ADMIN["h1"], "## Grand titre\n\nTexte"),
    (ADMIN["h5"], "#### Petit\n\nTexte"),
    (ADMIN["div"], "Bloc\n\nAutre"),
    # Quotes: the admin's quote (text directly in <blockquote>) lost its quote mark in both; a list
    # in a quote lost it in resources; paragraphs of one quote became two quotes in events/news.
    (ADMIN["quote"], "> Une citation\n\nTexte"),
    (ADMIN["two quotes"], "> Une\n\n> Deux"),
    (ADMIN["quote of paragraphs"], "> Un\n>\n> Deux"),
    (ADMIN["list in quote"], "> - un\n> - deux"),
    # White space: events/news folded runs of spaces (resources kept them, and "    " at a line start
    # read back as code); events/news also turned no-break spaces into spaces: they are kept.
    (ADMIN["white space"], "Texte avec espaces\n\nDeux"),
    (ADMIN["entities"], "Tom & Jerry <b> été \u00a0fin — tiret"),
    (ADMIN["no-break spaces"], "Avant\u00a0: «\u202fguillemets\u202f»"),
    # Text that reads as Markdown was written as is by both: it is escaped.
    (ADMIN["markdown characters"],
     "2 * 3 * 4 = 24, a_b_c, \\[pas un lien\\](x), \\`code\\`, # pas un titre, C:\\dossier"),
    (ADMIN["markdown at line start"],
     "\\# Pas un titre\n\n\\- pas une liste\n\n1\\. pas une liste\n\n\\> pas une citation\n\n\\+ plus"
     "\n\n2026\\. Une année\n\n\\---"),
    (ADMIN["emphasis characters"], "\\*pas italique\\* et \\*\\*pas gras\\*\\* et \\_pas non plus\\_"),
    (ADMIN["tildes"], "\\~\\~pas barré\\~\\~"),
    (ADMIN["entity as text"], "\\&eacute; reste tel quel"),
    (ADMIN["brackets in link text"], "[\\[crochets\\]](https://example.fr/)"),
    # Spaces inside emphasis ("<b>gras </b>", common in the editor) and empty elements broke the marks.
    (ADMIN["spaces inside bold"], "Du **gras** ici"),
    (ADMIN["empty inline"], "Texte"),
    (ADMIN["empty item"], "-\n- deux"),
    (ADMIN["empty heading"], "##\n\nTexte"),
    # A paragraph in a list item (imported loose lists) lost its marker in both.
    (ADMIN["loose list"], "- un\n\n- deux"),
    # Link targets Markdown would cut; a link without a target (deleted page) is its text, not "[x]".
    (ADMIN["link with a space"], "[espace](https://example.fr/a%20b)"),
    (ADMIN["link with parentheses"], "[wiki](https://fr.wikipedia.org/wiki/Conseil_(France))"),
    (ADMIN["link without target"], "ancre"),
    # A heading with a line break (one line in Markdown): a space.
    ("<h2>Un<br/>deux</h2>", "## Un deux"),
    # Nested lists are indented by their parent's marker width, at least 3 (unchanged below item 10).
    (ADMIN["nested under item 10"], "\n".join(f"{n}. {n}" for n in range(1, 10)) + "\n10. dix\n    - sous dix"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "expected"), CHOSEN)
def test_where_the_former_converters_differed(value, expected):
    assert html_to_markdown(value) == expected


# --- known limits --------------------------------------------------------------------------------

def test_a_table_degrades_to_its_text():
    (name,) = TABLES
    markdown = html_to_markdown(DEMO_BODIES[name])
    assert "|" not in markdown and "Rencontrer deux professionnels 15 mars" in markdown


@pytest.mark.django_db
def test_text_that_looks_like_an_address_becomes_a_link_on_import():
    """Markdown (linkify) makes links of addresses in the text; there is no escape for it."""
    markdown = html_to_markdown("<p>Site : www.example.fr</p>")
    assert markdown == "Site : www.example.fr"
    assert 'href="http://www.example.fr"' in render_markdown(markdown, headings=True)


# --- escaping ------------------------------------------------------------------------------------

# No letters that make a domain name or an address (see the limit above), every ASCII punctuation.
TEXT = st.text(alphabet="xé 09" + "!\"#$%&'()*+,-/;<=>?[\\]^_`{|}~\u00a0", min_size=1, max_size=40)


@given(TEXT)
def test_text_with_markdown_characters_reads_back_as_the_same_text(text):
    value = f"<p>{html.escape(text)}</p>"
    assert read_back(html_to_markdown(value)) == canonical(value)


@given(TEXT, TEXT)
def test_text_in_bold_and_in_list_items_reads_back_as_the_same(first, second):
    value = f"<p><b>{html.escape(first)}</b> {html.escape(second)}</p><ul><li>{html.escape(second)}</li></ul>"
    assert read_back(html_to_markdown(value)) == canonical(value)


@pytest.mark.parametrize("text", ["0 * ", " * 0", "a _ ", " ~ b", "x *  ", "0 \\* ", "~ b", "x~", "~", "\\~"])
@pytest.mark.parametrize("tag", ["b", "em", "s"])
def test_a_mark_character_at_the_edge_of_emphasis_stays_text(text, tag):
    """Between spaces "*" is prose ("2 * 3"); at the edge of a bold text its space goes outside the marks and
    it would touch them ("**0 ***"): found by Hypothesis (first="0 * "). A "~" next to a strikethrough's
    "~~" makes "~~~", a code fence at a line's start."""
    value = f"<p><{tag}>{html.escape(text)}</{tag}> suite</p>"
    assert read_back(html_to_markdown(value)) == canonical(value)


@pytest.mark.parametrize("second", ["#", "+", "-", ">", " #", "1."])
@pytest.mark.parametrize("blank", ["\u00a0", " ", "\u00a0 "])
def test_text_after_a_blank_bold_at_a_lines_start_keeps_its_line_start_escaping(blank, second):
    """A bold (or italics) of spaces alone writes nothing: the text after it begins the line, and a "#", "-",
    "+" or ">" there must stay text, not a heading, list or quotation. Found by Hypothesis (first="\xa0")."""
    value = f"<p><b>{blank}</b> {html.escape(second)}</p><p>suite <em>{blank}</em>{html.escape(second)}</p>"
    assert read_back(html_to_markdown(value)) == canonical(value)


@given(TEXT, TEXT, st.sampled_from(["p", "li", "blockquote", "h2"]))
def test_text_around_a_line_break_reads_back_as_the_same(first, second, block):
    inner = f"{html.escape(first)}<br>{html.escape(second)}"
    value = f"<ul><li>{inner}</li></ul>" if block == "li" else f"<{block}>{inner}</{block}>"
    assert read_back(html_to_markdown(value)) == canonical(value)


def test_escape_text_leaves_prose_alone():
    prose = "Le 1er janvier 2026, 50 % des CEP (hors Île-de-France) : « a_b » ! 3 * 4 = 12."
    assert escape_text(prose) == prose
    assert escape_text("- oui", line_start=True) == "\\- oui"
    assert escape_text("- oui") == "- oui"


def test_blockquote_markdown():
    assert blockquote_markdown("Un\n\nDeux") == "> Un\n>\n> Deux"
    assert blockquote_markdown("Texte", "Awa") == "> Texte\n>\n> — Awa"
