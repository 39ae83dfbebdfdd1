"""Property-based fuzzing of the public forms and the JSON endpoints: hostile text (NUL bytes, huge strings,
any Unicode, markup), wrong types and duplicated keys never produce a 5xx; a form that refuses the input
says why in French and stores nothing; a form that accepts it redirects.

(The library filters and the resource proposal form are fuzzed in tests/resources/test_fuzz.py.)
"""
import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comcep.accounts.models import User
from comcep.notifications.models import NotificationPreference
from forums.models import Post, Thread
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

hostile = st.one_of(
    st.text(max_size=60),
    st.text(max_size=20).map(lambda s: f"{s}\x00{s}"),
    st.sampled_from(["", " ", "\x00", "%00", "é" * 30_000, "a" * 200_000, "<script>alert(1)</script>",
                     "' OR 1=1 --", "{{ 7*7 }}", "../../etc/passwd", "\u202e\u200b\ufeff", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🙂",
                     "-1", "0", "99999999999999999999", "1e309", "NaN", "[]", "{}", "true", "null"]),
)
# A form field: one value, several values (duplicated keys), or absent.
value = st.one_of(hostile, st.lists(hostile, min_size=2, max_size=3))


def fields(*names):
    return st.dictionaries(st.sampled_from(names), value, max_size=len(names))


ENGLISH = ("This field is required", "Enter a valid", "Ensure this value")


def assert_refused_in_french(response, *, bound=True):
    """A refused form comes back (200/400/429) with its errors, in French (an empty POST leaves
    ``request.POST or None`` forms unbound: the page comes back without errors)."""
    assert response.status_code in (200, 400, 429), response.status_code
    html = response.content.decode()
    assert 'lang="fr"' in html
    assert not any(english in html for english in ENGLISH), html
    if bound and response.status_code != 429:
        assert "errorlist" in html or "error" in html


def outcome(response, before, after, *, bound=True):
    assert response.status_code < 500
    if response.status_code in (301, 302, 303):
        return "accepted"
    assert after == before, "a refused form stored something"
    assert_refused_in_french(response, bound=bound)
    return "refused"


@FUZZ
@given(data=fields("email", "password1", "password2", "display_name", "organisation", "operator", "region",
                   "x"))
def test_signup_never_fails(client, data):
    cache.clear()  # allauth's rate limits
    before = User.objects.count()
    response = client.post("/comptes/signup/", data)
    outcome(response, before, User.objects.count(), bound=bool(data))


@FUZZ
@given(data=fields("login", "password", "remember", "next"))
def test_login_never_fails(client, member, data):
    cache.clear()
    response = client.post("/comptes/login/", data)
    assert response.status_code < 500
    if response.status_code == 200:
        assert_refused_in_french(response)
        assert "_auth_user_id" not in client.session


@pytest.fixture
def veteran(db):
    return UserFactory(date_joined=timezone.now() - dt.timedelta(days=60))


@FUZZ
@given(data=fields("title", "body", "about_page", "x"))
def test_new_thread_never_fails(client, veteran, data):
    cache.clear()  # posting rate limit
    space = SpaceFactory(slug="espace-fuzz")
    client.force_login(veteran)
    before = (Thread.objects.count(), Post.objects.count())
    response = client.post(f"/echanges/{space.slug}/poser-une-question/", data)
    outcome(response, before, (Thread.objects.count(), Post.objects.count()), bound=bool(data))


@FUZZ
@given(data=fields("body", "citer", "x"))
def test_reply_never_fails(client, veteran, data):
    cache.clear()
    thread = Thread.objects.first() or make_thread(author=veteran)
    client.force_login(veteran)
    before = Post.objects.count()
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", data)
    outcome(response, before, Post.objects.count(), bound=bool(data))


@FUZZ
@given(data=fields("display_name", "organisation", "operator", "region", "email"))
def test_profile_edit_never_fails(client, veteran, data):
    client.force_login(veteran)
    before = User.objects.filter(pk=veteran.pk).values().get()
    response = client.post("/mon-espace/profil/", data)
    after = User.objects.filter(pk=veteran.pk).values().get()
    assert response.status_code < 500
    if response.status_code != 302:
        assert after == before
        assert_refused_in_french(response, bound=bool(data))


@FUZZ
@given(data=fields("emails_disabled", "reply", "mention", "new_thread", "digest", "x"))
def test_notification_preferences_never_fail(client, veteran, data):
    client.force_login(veteran)
    response = client.post("/mon-espace/notifications/preferences/", data)
    assert response.status_code < 500
    if response.status_code != 302:
        assert_refused_in_french(response, bound=bool(data))
    NotificationPreference.objects.all().delete()


query = st.dictionaries(st.sampled_from(["q", "page", "tri", "type", "theme", "public", "region", "kind",
                                         "format", "filtre", "periode", "du", "au", "lieu", "x"]),
                        value, max_size=6)


@FUZZ
@given(params=query)
def test_search_page_api_and_suggestions_never_fail(client, member, params):
    cache.clear()
    for url in ("/recherche/", "/recherche/api/", "/recherche/suggestions/"):
        response = client.get(url, params)
        assert response.status_code in (200, 400, 429), (url, response.status_code)
        if url != "/recherche/":
            response.json()  # always JSON, even on refusal


@FUZZ
@given(params=query)
def test_agenda_news_and_spaces_filters_never_fail(client, veteran, params):
    space = SpaceFactory(slug="espace-filtres")
    client.force_login(veteran)
    for url in ("/agenda/", "/actualites/", "/echanges/", f"/echanges/{space.slug}/", "/agenda/agenda.ics"):
        response = client.get(url, params)
        assert response.status_code in (200, 400, 404), (url, response.status_code)


@FUZZ
@given(params=fields("q", "sujet", "x"), body=st.one_of(value, st.binary(max_size=200)))
def test_forum_json_endpoints_never_fail(client, veteran, params, body):
    """The @mention autocomplete (GET) and the Markdown preview (POST, form-encoded or raw bytes)."""
    client.force_login(veteran)
    response = client.get("/echanges/mentions/", params)
    assert response.status_code in (200, 400, 404), response.status_code
    response.json()
    if isinstance(body, bytes):
        response = client.post("/echanges/apercu/", body, content_type="application/octet-stream")
    else:
        response = client.post("/echanges/apercu/", {"body": body})
    assert response.status_code in (200, 400), response.status_code
    assert "<script" not in response.json().get("html", "")
