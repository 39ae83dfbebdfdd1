"""Session 12: the search page's rendering and a repeated search's per-request work
(docs/performance.md, "Session 12: the search pages' rendering"). The page shows what it showed before:
the same HTML, the same entries for the same readers."""

import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.safestring import mark_safe

from comcep.core import fragments
from search import labels, registry, resultcache, searcher
from search.models import SearchEntry, SearchQueryLog
from search.views import LOG_PLACEHOLDER, layout_fragment_key


@pytest.fixture
def entries(make_entry, private_group):
    return [make_entry("Préparer un entretien VAE", body="Conseils pour l'entretien de VAE", themes=["vae"]),
            make_entry("Atelier entretien collectif", access="members"),
            make_entry("Entretien en groupe privé", access=f"group:{private_group.pk}")]


def _titles(html: str) -> set[str]:
    return {re.sub(r"</?mark>", "", t) for t in re.findall(r'class="result-title"><a href="[^"]+">(.*?)</a>', html)}


@pytest.mark.django_db
def test_a_repeated_search_loads_its_entries_with_one_compiled_statement_and_the_readers_filter(
        client, member, moderator, entries):
    """The shown entries of a cached search are loaded by a statement compiled once per process
    (searcher._load_shown) with the reader's permission filter: a member never sees the private
    space's entry, a moderator sees it (the private prefixes), and an entry closed without any index
    write (so with the cached summary still used) disappears on the next request."""
    searcher._SHOWN_QUERIES.clear()
    resultcache.clear()
    client.force_login(member)
    first = client.get("/recherche/", {"q": "entretien"}).content.decode()
    assert _titles(first) == {"Préparer un entretien VAE", "Atelier entretien collectif"}
    for _ in range(3):
        assert _titles(client.get("/recherche/", {"q": "entretien"}).content.decode()) == _titles(first)
    prepared = list(searcher._SHOWN_QUERIES.values())
    assert len(prepared) == 1 and prepared[0].compilations == 1  # one shape: built once, run three times

    client.force_login(moderator)
    for _ in range(2):
        assert _titles(client.get("/recherche/", {"q": "entretien"}).content.decode()) == {
            "Préparer un entretien VAE", "Atelier entretien collectif", "Entretien en groupe privé"}

    # Closed behind the cache's back (no index write, no new generation): the summary still lists it.
    SearchEntry.objects.filter(title="Atelier entretien collectif").update(access="group:999999")
    client.force_login(member)
    assert _titles(client.get("/recherche/", {"q": "entretien"}).content.decode()) == {"Préparer un entretien VAE"}
    client.logout()
    assert _titles(client.get("/recherche/", {"q": "entretien"}).content.decode()) == {"Préparer un entretien VAE"}


@pytest.mark.django_db
def test_a_repeated_search_issues_no_more_statements(client, member, entries):
    client.force_login(member)
    client.get("/recherche/", {"q": "entretien"})
    with CaptureQueriesContext(connection) as queries:
        client.get("/recherche/", {"q": "entretien"})
    # The user; the shown entries; the group (and on SQLite the log row): as before session 12.
    assert len(queries) == (3 if connection.vendor == "postgresql" else 4)
    log = SearchQueryLog.objects.latest("pk")
    assert (log.query, log.result_count, log.filtered, log.source, log.clicks) == ("entretien", 2, False, "html", 0)
    assert log.gap is not None and log.gap.key == "entretien" and log.created_at is not None


@pytest.mark.django_db
def test_the_search_log_row_is_written_by_the_prepared_insert(client, entries, monkeypatch):
    """On SQLite (and inside a transaction on PostgreSQL) the row is written by an INSERT compiled once
    per process (search.gaps._LOG_CREATE), not by the ORM's create on every search."""
    from search import gaps

    if gaps._async_commit("default"):
        pytest.skip("PostgreSQL outside a transaction writes through its asynchronous INSERT")

    def refuse(*args, **kwargs):
        raise AssertionError("the ORM's create")

    monkeypatch.setattr(SearchQueryLog.objects, "create", refuse)
    client.get("/recherche/", {"q": "entretien", "theme": "vae"})
    log = SearchQueryLog.objects.latest("pk")
    assert (log.query, log.result_count, log.filtered) == ("entretien", 1, True)


def test_translated_labels_are_remembered_per_language(monkeypatch):
    """A results page reads each kind, facet title and date label from a per-language memo instead of
    looking it up in every catalogue again; switching the language gives that language's label."""
    calls = []
    lazy_class = type(registry.kind("guide").label)  # the class of every gettext_lazy label
    real_str = lazy_class.__str__

    def counting(self):
        calls.append(1)
        return real_str(self)

    labels._translated.clear()
    monkeypatch.setattr(lazy_class, "__str__", counting)
    with translation.override("fr"):
        assert labels.kind_label("guide") == "Guide" and labels.kind_label("thread") == "Discussion"
        before = len(calls)
        for _ in range(3):
            assert labels.kind_label("thread") == "Discussion"
        assert len(calls) == before
        assert labels.kind_label("resource") == "Ressource"
    with translation.override("en"):
        assert labels.kind_label("resource") == "Resource"  # the English catalogue's label
    with translation.override("fr"):
        assert labels.kind_label("resource") == "Ressource"
    assert labels.kind_label("un-type-inconnu") == "Un type inconnu"
    with override_settings(LANGUAGE_CODE="fr"):
        assert labels._translated == {}  # a settings change forgets them


def _layout_context(**changes):
    outcome = SimpleNamespace(total=3, page=1, num_pages=1, facets=[object()])
    context = {
        "outcome": outcome, "q": "vae",
        "active_filters": [{"label": "VAE", "group": searcher.FACET_TITLES["theme"], "url": "/recherche/?q=vae"}],
        "clear_filters_url": "/recherche/?q=vae", "recommended": None,
        "sort_links": [{"label": "Pertinence", "url": "/recherche/?q=vae", "current": True}],
        "hits_fragment_key": "search-hits:1", "facets_fragment_key": "search-facets:1",
    }
    for name, value in changes.items():
        if name in ("total", "page", "num_pages", "facets"):
            setattr(outcome, name, value)
        else:
            context[name] = value
    return context


def _layout_block() -> str:
    from pathlib import Path

    from django.conf import settings

    source = (Path(settings.BASE_DIR) / "templates/search/search.html").read_text()
    start = source.index("{% fragment layout_fragment_key")
    return source[start:source.index("</div>{% endfragment %}", start)]


def test_the_results_areas_key_holds_every_value_the_area_reads():
    """The cached results area reads these values only (the list and the panel through their own keys),
    and each of them changes the key: dropping one from search.views.layout_fragment_key fails here."""
    block = _layout_block()
    block = re.sub(r"\{% fragment hits_fragment_key %\}.*?\{% endfragment %\}", "", block[30:], flags=re.S)
    block = re.sub(r"\{% fragment facets_fragment_key %\}.*?\{% endfragment %\}", "", block, flags=re.S)
    block = re.sub(r"\{% comment %\}.*?\{% endcomment %\}", "", block, flags=re.S)
    tags = [re.sub(r"'[^']*'|\"[^\"]*\"", "", tag) for tag in re.findall(r"\{[{%](.*?)[}%]\}", block)]
    read = {name for tag in tags for name in re.findall(r"\b[a-z_]+(?:\.[a-z_]+)*", tag)}
    names = {n.removesuffix(".url").removesuffix(".label") for n in read} - {
        "if", "elif", "else", "endif", "for", "endfor", "in", "not", "translate", "blocktranslate",
        "endblocktranslate", "include", "with", "trimmed", "count", "counter", "plural", "page", "pages", "link",
        "f", "forloop.last", "link.current", "f.group", "recommended.kind_label", "recommended.title",
        "recommended.snippet", "fragment", "endfragment", "search", "includes", "browse_themes.html",
        "facet", "value"}  # a filter's blocktranslate names (f.group, f.label)
    assert names == {"outcome.total", "q", "active_filters", "clear_filters_url", "recommended", "sort_links",
                     "outcome.num_pages", "previous_url", "outcome.page", "next_url", "suggestion",
                     "suggestion_url", "outcome.facets"}
    whole = _layout_block()
    assert "{% fragment hits_fragment_key %}" in whole and "{% fragment facets_fragment_key %}" in whole
    assert '{% include "search/includes/browse_themes.html" %}' in whole  # reads `themes` only:
    from pathlib import Path

    from django.conf import settings

    included = (Path(settings.BASE_DIR) / "templates/search/includes/browse_themes.html").read_text()
    assert set(re.findall(r"\{[{%] (?:if |for slug, name in )?(\w+)", included)) == {"load", "themes", "translate",
                                                                                     "endfor", "slug", "name", "endif"}
    base = layout_fragment_key(_layout_context())
    recommended = SimpleNamespace(kind_label="Guide", url="/recherche/aller/x/1/", title="T", snippet=mark_safe("s"))
    variants = {
        "total": 4, "page": 2, "num_pages": 2, "facets": [], "q": "cpf",
        "active_filters": [{"label": "CPF", "group": searcher.FACET_TITLES["theme"], "url": "/recherche/?q=vae"}],
        "clear_filters_url": "/recherche/", "recommended": recommended,
        "sort_links": [{"label": "Pertinence", "url": "/recherche/?q=vae", "current": False}],
        "hits_fragment_key": "search-hits:2", "facets_fragment_key": "search-facets:2", "previous_url": "/p",
        "next_url": "/n", "suggestion": "vae", "suggestion_url": "/s", "themes": [("vae", "VAE")],
    }
    for name, value in variants.items():
        assert layout_fragment_key(_layout_context(**{name: value})) != base, name
    escaped = SimpleNamespace(**{**vars(recommended), "snippet": "s"})  # the same text, not marked safe
    assert layout_fragment_key(_layout_context(recommended=escaped)) != layout_fragment_key(
        _layout_context(recommended=recommended))
    with translation.override("en"):
        assert layout_fragment_key(_layout_context()) != base


@pytest.mark.django_db
def test_the_cached_results_area_carries_each_searchs_log_id(client, entries):
    with override_settings(DEBUG=False, FRAGMENT_CACHE=True):
        fragments.clear()
        for params in ({"q": "entretien"}, {"q": "entretien", "theme": "vae"}):
            for _ in range(2):
                html = client.get("/recherche/", params).content.decode()
                log_id = SearchQueryLog.objects.latest("pk").pk
                assert LOG_PLACEHOLDER not in html
                links = re.findall(r'href="(/recherche/[^"]*)"', html)
                logged = [link for link in links if "r=" in link or "/aller/" in link]
                assert logged and all(f"r={log_id}" in link or f"/aller/{log_id}/" in link for link in logged)
        assert fragments.cached_count("search-layout") == 2
        # A query holding what looked like the former placeholder is shown as typed.
        html = client.get("/recherche/", {"q": 'entretien -"comcep-search-log-id"'}).content.decode()
        assert "pour « entretien -&quot;comcep-search-log-id&quot; »" in html
        facet_links = re.findall(r'class="facet-option[^"]*" href="([^"]+)"', html)
        assert facet_links and all(link.startswith("/recherche/?q=entretien+-%22comcep-search-log-id%22&amp;")
                                   for link in facet_links)


def test_the_results_unit_is_remembered_per_language(monkeypatch):
    """The facet panel's "résultat(s)" (``ngettext``) is computed once per language and number; the
    other language gives its own."""
    from search import views

    labels._numbers.clear()
    calls = []
    real_ngettext = views.ngettext
    monkeypatch.setattr(views, "ngettext", lambda *args: calls.append(args) or real_ngettext(*args))
    with translation.override("fr"):
        expected = [real_ngettext("résultat", "résultats", n) for n in (0, 1, 2, 1, 2, 5000, 5000)]
        assert [views._results_unit(n) for n in (0, 1, 2, 1, 2, 5000, 5000)] == expected
        assert expected[1] == "résultat" and expected[2] == "résultats"
        assert len(calls) == 5  # 0, 1, 2 once each; 5000 (not remembered) twice
    with translation.override("en"):
        assert [views._results_unit(n) for n in (0, 1, 2)] == ["results", "result", "results"]


@pytest.mark.django_db
def test_event_kinds_are_labelled_in_the_readers_language(client, make_entry):
    """An event's result and its "Type" facet show the kind's name ("Rencontre régionale", not the slug
    turned into "Rencontre regionale"), translated in the English interface."""
    make_entry("Rencontre régionale CEP Bretagne", kind="event", subkind="rencontre-regionale", url="/agenda/r/")
    html = client.get("/recherche/", {"q": "rencontre"}).content.decode()
    assert '<p class="result-kind">Rencontre régionale</p>' in html
    assert "Rencontre regionale" not in html
    client.post("/langue/", {"language": "en", "next": "/"})
    html = client.get("/recherche/", {"q": "rencontre"}).content.decode()
    assert '<p class="result-kind">Regional meeting</p>' in html


@pytest.mark.django_db
def test_an_events_date_is_not_called_a_publication_date(client, make_entry):
    """An event's date in the results is the day it takes place, not "Publié le" (it is often ahead)."""
    make_entry("Atelier numérique du conseil", kind="event", subkind="atelier", url="/agenda/a/", days_ago=-15)
    make_entry("Fiche numérique du conseil", url="/ressources/f/")
    html = client.get("/recherche/", {"q": "numérique"}).content.decode()
    dates = dict(re.findall(r'(?s)<h2 class="result-title"><a [^>]*>(.*?)</a>.*?class="result-date">([^<]*)<', html))
    assert dates == {"Atelier <mark>numérique</mark> du conseil": "Événement le ",
                     "Fiche <mark>numérique</mark> du conseil": "Publié le "}
