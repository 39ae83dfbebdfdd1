"""``{% fragment_rows %}`` (comcep/core/templatetags/fragments.py) renders the thread page's posts and
the space page's thread rows: exactly what ``{% for %}{% fragment row.fragment_key %}`` rendered, with the
same cache entries, but the reader's CSRF token is put in once per list instead of once per row."""

import re
from types import SimpleNamespace

import pytest
from django.middleware.csrf import get_token
from django.template import Context, Engine, engines
from django.test import RequestFactory, override_settings

from comcep.core import fragments
from forums import services
from forums.models import Post
from tests.core.fragment_helpers import CountingToken
from tests.factories import UserFactory
from tests.factories.forums import make_thread

ROW = '<li>{{ row.title }} <form method="post">{% csrf_token %}</form>{% if row.flag %} !{% endif %}</li>'
LOOP = ("{% load fragments %}{% for row in rows %}{% fragment row.fragment_key %}" + ROW
        + "{% endfragment %}{% endfor %}")
ROWS = "{% load fragments %}{% fragment_rows rows as row %}" + ROW + "{% endfragment_rows %}"


def rows():
    return [SimpleNamespace(title=f"Sujet <{i}>", flag=i % 2, fragment_key=f"test-row:{i}") for i in range(5)] + [
        SimpleNamespace(title="Sans clé", flag=True, fragment_key=None)]


def render(source, token, **extra):
    template = engines["django"].from_string(source)
    request = RequestFactory().get("/")
    context = {"rows": rows(), **extra}
    if token is None:
        return template.template.render(Context(context))  # no request: no token at all
    get_token(request)
    return template.render(context, request)


def same_token(html):
    return re.sub(r'value="[^"]+"', 'value="T"', html)


@pytest.mark.parametrize("cache", [True, False])
def test_the_rows_render_as_the_loop_of_fragments_did(cache):
    with override_settings(DEBUG=False, FRAGMENT_CACHE=cache):
        for _ in range(2):  # cold, then from the cache
            fragments.clear()
            expected = same_token(render(LOOP, "request"))
            fragments.clear()
            assert same_token(render(ROWS, "request")) == expected
            assert same_token(render(ROWS, "request")) == expected  # the rows now from the cache
        assert fragments.CSRF_PLACEHOLDER not in expected
        assert expected.count('name="csrfmiddlewaretoken"') == 6


def test_each_request_gets_its_own_token_in_cached_rows():
    with override_settings(DEBUG=False, FRAGMENT_CACHE=True):
        fragments.clear()
        first, second = render(ROWS, "request"), render(ROWS, "request")
        first_tokens, second_tokens = (set(re.findall(r'value="([^"]+)"', html)) for html in (first, second))
        assert len(first_tokens) == len(second_tokens) == 1  # every form of a request has its token
        assert first_tokens != second_tokens  # not the one cached with the rows


def test_without_a_request_token_the_placeholder_never_shows():
    with override_settings(DEBUG=False, FRAGMENT_CACHE=True):
        fragments.clear()
        render(ROWS, "request")  # rows cached with the placeholder
        html = render(ROWS, None)
        assert fragments.CSRF_PLACEHOLDER not in html
        assert "Sujet &lt;3&gt;" in html


def test_the_token_is_read_once_per_list_not_once_per_row():
    template = engines["django"].from_string(ROWS).template
    with override_settings(DEBUG=False, FRAGMENT_CACHE=True):
        fragments.clear()
        template.render(Context({"rows": rows(), "csrf_token": "jeton"}))  # fill the cache
        token = CountingToken()
        html = template.render(Context({"rows": rows(), "csrf_token": token}))
    assert html.count('value="jeton"') == 6
    # {% for %}{% fragment %} read it three times per row (each read of the lazy token: its proxy, ~1-2 µs)
    assert token.reads <= 3


def test_an_empty_or_missing_list_renders_nothing():
    template = Engine.get_default().from_string(ROWS)
    with override_settings(DEBUG=False, FRAGMENT_CACHE=True):
        assert template.render(Context({"rows": []})) == ""
        assert template.render(Context({})) == ""


@pytest.mark.django_db
@pytest.mark.usefixtures("fragment_cache_on")
def test_the_question_is_never_offered_as_its_own_solution_and_the_first_post_of_page_two_is(client, space):
    author = UserFactory()
    thread = make_thread(space=space, author=author, replies=25)
    client.force_login(author)
    for page_number in (1, 2):
        for _ in range(2):  # rendered, then from the cache
            html = client.get(thread.get_absolute_url() + f"?page={page_number}").content.decode()
            articles = re.findall(r"<article.*?</article>", html, re.S)
            first_offers_solution = "Marquer comme solution" in articles[0]
            assert first_offers_solution is (page_number == 2)
            assert all("Marquer comme solution" in article for article in articles[1:])


@pytest.mark.django_db
@pytest.mark.usefixtures("fragment_cache_on")
def test_the_space_rows_follow_a_new_reply_at_once(client, member, space):
    thread = make_thread(space=space, replies=1)
    client.force_login(member)
    assert "1 réponse" in client.get(space.get_absolute_url()).content.decode()
    services.add_reply(thread=thread, author=UserFactory(display_name="Zoé Nouvelle"), body="Encore une.")
    html = client.get(space.get_absolute_url()).content.decode()
    assert "2 réponses" in html and "dernière réponse de Zoé Nouvelle" in html
    assert Post.objects.filter(thread=thread).count() == 3
