"""comcep.core.fragments: the content-addressed fragment cache and its {% fragment %} tag."""

import re

from django.template import Context, engines
from django.test import RequestFactory, override_settings
from django.utils import timezone, translation

from comcep.core import fragments, lru
from tests.core.fragment_helpers import CountingToken

TEMPLATE = engines["django"].from_string(
    "{% load fragments %}{% fragment key %}<form>{% csrf_token %}{{ text }}</form>{% endfragment %}")


def render(key, text, request=None):
    return TEMPLATE.render({"key": key, "text": text}, request)


@override_settings(DEBUG=False, FRAGMENT_CACHE=True)
def test_a_key_is_rendered_once_and_its_csrf_token_is_each_requests():
    fragments.clear()
    key = fragments.fragment_key("test", 1)
    first = render(key, "premier", RequestFactory().get("/"))
    second = render(key, "autre texte", RequestFactory().get("/"))
    assert "premier" in first and "premier" in second  # same key: served from the cache
    assert fragments.CSRF_PLACEHOLDER not in first + second
    token = 'name="csrfmiddlewaretoken" value="'
    assert first.split(token)[1][:10] != second.split(token)[1][:10]  # each request's own token


@override_settings(DEBUG=False, FRAGMENT_CACHE=True)
def test_without_a_request_token_the_fragment_is_rendered_live():
    fragments.clear()
    key = fragments.fragment_key("test", 2)
    render(key, "avec requête", RequestFactory().get("/"))
    html = render(key, "sans requête")
    assert fragments.CSRF_PLACEHOLDER not in html
    assert "sans requête" in html


@override_settings(DEBUG=True)
def test_off_in_development():
    fragments.clear()
    key = fragments.fragment_key("test", 3)
    render(key, "un", RequestFactory().get("/"))
    assert "deux" in render(key, "deux", RequestFactory().get("/"))
    assert len(fragments.FRAGMENTS._cache) == 0


def test_keys_differ_by_language_time_zone_and_values():
    keys = {fragments.fragment_key("test", 1), fragments.fragment_key("test", 2),
            fragments.fragment_key("other", 1)}
    with translation.override("en"):
        keys.add(fragments.fragment_key("test", 1))
    with timezone.override("America/Cayenne"):
        keys.add(fragments.fragment_key("test", 1))
    assert len(keys) == 5
    assert fragments.fragment_key("test", 1) == fragments.fragment_key("test", 1)


def test_the_store_keeps_the_most_recently_used_fragments_for_an_hour_at_most(monkeypatch):
    import time

    store = fragments.FragmentStore(max_entries=2, timeout=60)
    store.set("a:1", "A")
    store.set("b:1", "B")
    assert store.get("a:1") == "A"  # "a" is now the most recently used
    store.set("c:1", "C")
    assert store.get("b:1") is None and store.get("a:1") == "A" and store.get("c:1") == "C"
    now = time.monotonic()
    monkeypatch.setattr(lru.time, "monotonic", lambda: now + 61)
    assert store.get("a:1") is None and len(store._cache) == 1


def test_a_value_can_have_its_own_lifetime_and_bound(monkeypatch):
    """search.resultcache gives both on every put (its settings are read then)."""
    import time

    store = lru.ExpiringLRU(max_entries=10, timeout=3600)
    store.set("a", {"counts": 1}, timeout=5, max_entries=1)
    store.set("b", [2], timeout=5, max_entries=1)
    assert store.get("a") is None and store.get("b") == [2]
    now = time.monotonic()
    monkeypatch.setattr(lru.time, "monotonic", lambda: now + 6)
    assert store.get("b") is None


# --- Bounded by bytes (session 16) ------------------------------------------------------------------------


def test_the_store_drops_the_least_recently_used_fragments_to_stay_within_its_bytes():
    """A search's results area is ~70 kB where a thread row is ~1 kB: the entry bound alone let 4 000 search
    fragments grow a worker by ~100 MB. The byte budget evicts the oldest entries, whatever their count."""
    big, small = "x" * 10_000, "y" * 100
    budget = 3 * fragments.entry_bytes("f:1", big)
    store = fragments.FragmentStore(max_entries=1000, timeout=60, max_bytes=budget)
    for n in range(3):
        store.set(f"f:{n}", big)
    assert store.get("f:0") == big  # now the most recently used
    store.set("f:3", big)
    assert store.get("f:1") is None  # the least recently used made room
    assert [store.get(f"f:{n}") for n in (0, 2, 3)] == [big] * 3
    assert store.bytes <= budget
    for n in range(20):  # small entries fit beside the big ones until the budget is reached
        store.set(f"s:{n}", small)
    assert store.bytes <= budget and store.get("s:19") == small
    assert store.get("f:0") is None and store.get("f:3") == big  # the oldest big one made room


def test_a_fragment_larger_than_the_whole_budget_is_not_kept():
    store = fragments.FragmentStore(max_entries=10, timeout=60, max_bytes=5_000)
    store.set("a:1", "A")
    store.set("b:1", "B" * 10_000)
    assert store.get("b:1") is None and store.get("a:1") == "A"  # rendered live each time, nothing evicted
    store.set("a:1", "A" * 10_000)  # a key's new value replaces the old one, even when it is not kept
    assert store.get("a:1") is None and store.bytes == 0


def test_the_stores_bytes_follow_replacements_expiry_and_clearing(monkeypatch):
    import time

    store = fragments.FragmentStore(max_entries=10, timeout=60, max_bytes=1_000_000)
    store.set("a:1", "A" * 100)
    store.set("a:1", "A" * 1000)
    store.set("b:1", "é" * 10)
    assert store.bytes == fragments.entry_bytes("a:1", "A" * 1000) + fragments.entry_bytes("b:1", "é" * 10)
    now = time.monotonic()
    monkeypatch.setattr(lru.time, "monotonic", lambda: now + 61)
    assert store.get("a:1") is None
    assert store.bytes == fragments.entry_bytes("b:1", "é" * 10)
    store.clear()
    assert store.bytes == 0


def test_a_fragments_bytes_are_what_python_holds():
    """A text with one character beyond Latin-1 (an ellipsis, a dash) is stored 2 bytes a character."""
    latin = "résultat " * 1000
    wide = latin + "…"
    assert fragments.entry_bytes("k", wide) - fragments.entry_bytes("k", latin) > len(latin)


@override_settings(DEBUG=False, FRAGMENT_CACHE=True)
def test_pages_rendering_many_large_fragments_keep_the_process_store_within_its_budget(monkeypatch):
    monkeypatch.setattr(fragments, "FRAGMENTS", fragments.FragmentStore(max_bytes=200_000))
    request = RequestFactory().get("/")
    for n in range(50):
        html = render(fragments.fragment_key("test-big", n), "résultat " * 2_000, request)
        assert "résultat" in html
    assert fragments.FRAGMENTS.bytes <= 200_000
    assert 0 < fragments.cached_count("test-big") < 50
    assert "premier" not in render(fragments.fragment_key("test-big", 49), "premier", request)  # newest: cached
    assert "premier" in render(fragments.fragment_key("test-big", 0), "premier", request)  # oldest: evicted


def test_switching_the_cache_on_and_off_takes_effect_at_once():
    with override_settings(DEBUG=False, FRAGMENT_CACHE=True):
        assert fragments.enabled()
        with override_settings(FRAGMENT_CACHE=False):
            assert not fragments.enabled()
        with override_settings(DEBUG=True):
            assert fragments.enabled()  # FRAGMENT_CACHE set explicitly wins
        assert fragments.enabled()
    with override_settings(DEBUG=True):
        assert not fragments.enabled()


# --- The request's token, read once per render (session 13) ------------------------------------------------

PAGE = engines["django"].from_string(
    "{% load fragments %}<form>{% csrf_token %}</form>"
    "{% for key in keys %}{% fragment key %}<form>{% csrf_token %}{{ key }}</form>{% endfragment %}{% endfor %}"
    "{% fragment outer %}<div>{% csrf_token %}{% fragment inner %}<form>{% csrf_token %}</form>{% endfragment %}"
    "</div>{% endfragment %}")


def _tokens(html):
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)


@override_settings(DEBUG=False, FRAGMENT_CACHE=True)
def test_every_fragment_of_a_page_gets_the_token_csrf_token_renders_outside_them():
    """Cold and warm, nested or not: each fragment's forms carry the very token Django's {% csrf_token %}
    gives the page (the request's masked token for this render), and a new render gets a new one."""
    fragments.clear()
    keys = [fragments.fragment_key("test-page", n) for n in range(4)]
    context = {"keys": keys, "outer": fragments.fragment_key("test-outer"), "inner": fragments.fragment_key("in")}
    request = RequestFactory().get("/")
    pages = [PAGE.render(context, request) for _ in range(2)] + [PAGE.render(context, RequestFactory().get("/"))]
    for html in pages:
        tokens = _tokens(html)
        assert len(tokens) == 7 and len(set(tokens)) == 1, tokens  # the page's own form, 4 rows, outer and inner
        assert fragments.CSRF_PLACEHOLDER not in html
    assert len({_tokens(html)[0] for html in pages}) == 3  # each render its own masked token
    # the cache holds the placeholder, never a request's token
    stored = repr(fragments.FRAGMENTS._cache)
    assert fragments.CSRF_PLACEHOLDER in stored and not any(_tokens(html)[0] in stored for html in pages)


@override_settings(DEBUG=False, FRAGMENT_CACHE=True)
def test_the_token_is_read_once_per_render_not_once_per_fragment():
    fragments.clear()
    keys = [fragments.fragment_key("test-count", n) for n in range(5)]
    context = {"keys": keys, "outer": fragments.fragment_key("test-outer-2"), "inner": fragments.fragment_key("in2")}
    template = PAGE.template
    template.render(Context({**context, "csrf_token": "autre"}))  # fill the cache
    token = CountingToken()
    html = template.render(Context({**context, "csrf_token": token}))
    assert html.count('value="jeton"') == 8
    # The page's own {% csrf_token %} reads it three times (Django's tag: truth, comparison, text); the six
    # fragments (five rows and the outer one, cached with the inner one) at most three times in all: 21 before.
    assert token.reads <= 3 + 3
