"""Markdown typed by members cannot inject HTML, scripts, handlers, dangerous URLs or CSS,
through the whole post flow (form -> service -> stored HTML -> thread page)."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from forums.models import Post
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle/></svg>",
    "[clic](javascript:alert(1))",
    "[clic](JaVaScRiPt:alert(1))",
    "[clic](javascript&#58;alert(1))",
    "[clic](&#106;avascript:alert(1))",
    "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[clic](vbscript:msgbox(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "![img](javascript:alert(1))",
    "![x](https://exemple.fr/x.png\" onerror=\"alert(1))",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "**<script>alert(1)</script>**",
    "> <img src=x onerror=alert(1)>",
    "- [x](javascript:alert(1))\n- <b onmouseover=alert(1)>b</b>",
    "`<script>` et ```\n<script>alert(1)</script>\n```",
    "[a](https://ok.fr \"title\\\" onmouseover=\\\"alert(1)\")",
    "<<script>script>alert(1)<</script>/script>",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "[x](\tjavascript:alert(1))",
    "<style>body{display:none}</style>",
]

ALLOWED_TAGS = {"a", "strong", "em", "del", "s", "code", "br", "p", "blockquote", "ul", "ol", "li", "pre", "hr",
                "table", "thead", "tbody", "tr", "th", "td"}


class ElementCollector(HTMLParser):
    """The real elements and attributes of an HTML fragment (escaped text is not an element)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "src", "srcset", "formaction"):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href":
                scheme = urlsplit((value or "").strip()).scheme.lower()
                if scheme not in ("", "http", "https", "mailto"):
                    self.problems.append(f"href scheme {scheme!r}")


def problems(fragment: str) -> list:
    collector = ElementCollector()
    collector.feed(fragment)
    return collector.problems


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised_through_the_full_post_flow(client, member, space, payload):
    thread = make_thread(space=space)
    client.force_login(member)
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": f"Avant {payload} après"})
    assert response.status_code == 302
    post = Post.objects.latest("pk")
    assert post.body.endswith("après")
    assert problems(post.html) == [], post.html
    page = client.get(thread.get_absolute_url()).content.decode()
    article = page[page.index(f'id="message-{post.pk}"'):]
    article = article[: article.index("</article>")]
    body = article.split('class="post-body">', 1)[1]
    body = body[: body.index("</div>")]
    assert problems(body) == [], body


def test_typed_html_is_shown_as_text(client, member, space):
    thread = make_thread(space=space)
    client.force_login(member)
    client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "<b>gras ?</b>"})
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "&lt;b&gt;gras ?&lt;/b&gt;" in page


def test_links_get_nofollow_ugc_noopener(member, space):
    from forums import services

    post = services.add_reply(thread=make_thread(space=space), author=member, body="[site](https://exemple.fr)")
    assert 'rel="nofollow ugc noopener"' in post.html


def test_thread_title_is_escaped(client, member, space):
    thread = make_thread(space=space, title="<script>alert('titre')</script>")
    client.force_login(member)
    for url in (thread.get_absolute_url(), space.get_absolute_url(), "/echanges/"):
        assert "<script>alert(" not in client.get(url).content.decode()


def test_the_checker_itself_catches_real_elements():
    assert problems('<img src="x" onerror="alert(1)">')
    assert problems('<a href="javascript:alert(1)">x</a>')
    assert problems("&lt;img src=x onerror=alert(1)&gt;") == []
