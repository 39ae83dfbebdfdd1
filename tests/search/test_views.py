"""The search page, the JSON API and the suggestions endpoint, as a reader uses them."""

import re

import pytest
from django.test import override_settings

from search.models import SearchQueryLog
from tests.search.test_services import UNREACHABLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(make_entry):
    make_entry("Préparer l'entretien de VAE", summary="Guide pour les conseillères <b>CEP</b>.", subkind="guide",
               themes=["vae"], region="bretagne", body="Le jury de VAE et l'entretien final.")
    make_entry("Financer une VAE avec le CPF", subkind="fiche-pratique", themes=["vae", "cpf"])


def test_header_search_box_on_every_page(client, entries):
    for url in ("/", "/recherche/", "/mentions-legales/"):
        html = client.get(url).content.decode()
        assert '<form class="site-search" role="search" method="get" action="/recherche/"' in html
        assert '<label class="visually-hidden" for="site-search-q">' in html
        assert 'src="/static/js/search.js"' in html


def test_results_page_without_javascript(client, entries):
    response = client.get("/recherche/", {"q": "conseiller entretien"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 résultat" in html and "pour « conseiller entretien »" in html
    assert 'href="/static/css/search.css"' in html
    assert "<mark>conseillères</mark>" in html  # highlighted by French form
    assert "&lt;b&gt;CEP&lt;/b&gt;" in html  # stored text is escaped
    assert "Préparer l&#x27;<mark>entretien</mark> de VAE" in html
    assert "Guide" in html and "Publié le" in html
    assert 'aria-labelledby="search-facets-title"' in html


def test_facet_links_combine_and_show_counts(client, entries):
    def page(params):  # links also carry r=<logged search> (content gaps, test_gaps_logging.py)
        return re.sub(r"&amp;r=\d+", "", client.get("/recherche/", params).content.decode())

    html = page({"q": "vae"})
    assert 'href="/recherche/?q=vae&amp;theme=cpf"' in html
    html = page({"q": "vae", "theme": "cpf"})
    assert "1 résultat" in html
    assert 'href="/recherche/?q=vae&amp;theme=cpf&amp;kind=fiche-pratique"' not in html  # canonical order
    assert 'href="/recherche/?q=vae&amp;kind=fiche-pratique&amp;theme=cpf"' in html
    assert "Retirer tous les filtres" in html and 'href="/recherche/?q=vae"' in html


def test_the_cached_facet_panel_carries_each_searchs_own_log_id_and_fresh_counts(client, entries, make_entry):
    """The facet panel is a cached fragment (comcep/core/fragments.py): its links are the same for
    the same search, except the search log id each request gets, filled in on every render."""
    from comcep.core import fragments
    from search.views import LOG_PLACEHOLDER

    with override_settings(DEBUG=False, FRAGMENT_CACHE=True):
        fragments.clear()
        ids, pages = [], []
        for _ in range(2):
            html = client.get("/recherche/", {"q": "vae"}).content.decode()
            ids.append(SearchQueryLog.objects.latest("pk").pk)
            pages.append(html)
        assert ids[0] != ids[1] and any("search-facets:" in k for k in fragments.FRAGMENTS._cache)
        for log_id, html in zip(ids, pages, strict=True):
            assert LOG_PLACEHOLDER not in html
            assert f'href="/recherche/?q=vae&amp;theme=cpf&amp;r={log_id}"' in html
        # Same facet values as the others, in the same order of counts: only the counts change.
        make_entry("Une troisième fiche VAE", subkind="fiche-pratique", themes=["vae", "cpf"], region="bretagne")
        html = client.get("/recherche/", {"q": "vae"}).content.decode()
        cpf = re.search(r'theme=cpf&amp;r=\d+".*?facet-count">(\d+)<', html, re.S)
        assert cpf and cpf.group(1) == "2"  # one more under "cpf": the panel is not the cached one


def test_empty_state_helps(client, entries, db):
    from comcep.taxonomy.models import Theme

    Theme.objects.get_or_create(slug="vae", defaults={"name": "Validation des acquis"})
    html = client.get("/recherche/", {"q": "entretein", "region": "corse"}).content.decode()
    assert "Aucun résultat" in html
    assert "Vouliez-vous dire" in html and "entretien" in html
    assert "Retirez un filtre" in html
    assert "Parcourir par thème" in html


def test_landing_page_and_stop_words(client, db):
    from comcep.taxonomy.models import Theme

    Theme.objects.get_or_create(slug="cpf", defaults={"name": "Compte personnel de formation"})
    html = client.get("/recherche/").content.decode()
    assert "Parcourir par thème" in html and 'href="/recherche/?theme=cpf"' in html
    html = client.get("/recherche/", {"q": "le la les"}).content.decode()
    assert "trop courants" in html


def test_bad_parameters_are_400_not_500(client, db):
    assert client.get("/recherche/", {"q": "vae", "page": "abc"}).status_code == 400
    assert client.get("/recherche/", {"q": "x" * 500}).status_code == 400


def test_every_search_is_recorded_once(client, entries):
    client.get("/recherche/", {"q": "  Conseillères   VAE "})
    client.get("/recherche/", {"q": "Conseillères VAE", "page": "2"})
    client.get("/recherche/api/", {"q": "introuvable"})
    client.get("/recherche/suggestions/", {"q": "pre"})
    assert list(SearchQueryLog.objects.order_by("pk").values_list("query", "result_count")) == [
        ("conseilleres vae", 1), ("introuvable", 0)]


def test_api_shape(client, entries):
    response = client.get("/recherche/api/", {"q": "vae", "kind": "", "theme": "", "region": "", "page": ""})
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"query", "total", "page", "results", "facets", "recommended"}
    assert data["query"] == "vae" and data["total"] == 2 and data["page"] == 1
    assert set(data["facets"]) == {"kind", "theme", "region"}
    assert data["facets"]["theme"] == {"vae": 2, "cpf": 1}
    result = data["results"][0]
    assert set(result) == {"kind", "title", "url", "snippet", "published_at"}
    assert result["published_at"].startswith("20")
    filtered = client.get("/recherche/api/", {"q": "vae", "theme": "cpf"}).json()
    assert [r["title"] for r in filtered["results"]] == ["Financer une VAE avec le CPF"]
    assert filtered["results"][0]["kind"] == "fiche-pratique"


@pytest.mark.parametrize(
    "params",
    [
        {"q": "vae", "page": "0"},
        {"q": "vae", "page": "deux"},
        {"q": "vae", "kind": "Pas un slug!"},
        {"q": "vae", "sort": "hasard"},
        {"q": "vae", "date": "hier"},
        {"q": "x" * 300},
        {"q": "vae\x00"},
        {"q": "vae", "theme": "v\x00e"},
        {},
    ],
)
def test_api_bad_parameters_are_400_json_in_french(client, db, params):
    response = client.get("/recherche/api/", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    message = response.json()["error"]
    words = ("page", "filtre", "Tri", "Période", "longue", "Indiquez", "nul")
    assert message and any(word in message for word in words)


def test_suggestions(client, entries):
    assert client.get("/recherche/suggestions/", {"q": "pré\x00p"}).status_code == 200
    assert client.get("/recherche/suggestions/", {"q": "p"}).json()["suggestions"] == []
    data = client.get("/recherche/suggestions/", {"q": "prép"}).json()
    assert [s["title"] for s in data["suggestions"]] == ["Préparer l'entretien de VAE"]
    assert data["suggestions"][0]["url"].startswith("/ressources/")
    assert [s["title"] for s in client.get("/recherche/suggestions/", {"q": "financer une v"}).json()["suggestions"]] \
        == ["Financer une VAE avec le CPF"]


@pytest.mark.filterwarnings("ignore")
def test_engine_unreachable(client, entries):
    with override_settings(WAGTAILSEARCH_BACKENDS=UNREACHABLE):
        page = client.get("/recherche/", {"q": "vae"})
        api = client.get("/recherche/api/", {"q": "vae"})
        suggestions = client.get("/recherche/suggestions/", {"q": "vae"})
        home = client.get("/")
    assert page.status_code == 200
    assert "momentanément indisponible" in page.content.decode()
    assert api.status_code == 503 and "indisponible" in api.json()["error"]
    assert suggestions.status_code == 503 and suggestions.json()["suggestions"] == []
    assert home.status_code == 200


def test_query_count_does_not_grow_with_results(client, make_entry, member, django_assert_max_num_queries):
    client.force_login(member)
    make_entry("Atelier 1", themes=["vae"])
    client.get("/recherche/", {"q": "atelier"})  # warm the taxonomy labels cache
    # +1 for the content gaps: the query's group (with its recommended result), then the log row.
    with django_assert_max_num_queries(10):
        small = client.get("/recherche/", {"q": "atelier", "theme": "vae"})
    for i in range(40):
        make_entry(f"Atelier {i + 2}", themes=["vae", "cpf"], region="bretagne", audiences=["jeunes"])
    with django_assert_max_num_queries(10):
        large = client.get("/recherche/", {"q": "atelier", "theme": "vae"})
    with django_assert_max_num_queries(8):
        client.get("/recherche/api/", {"q": "atelier", "page": "2"})
    assert small.status_code == large.status_code == 200
    assert "41 résultats" in large.content.decode()


@pytest.mark.django_db
def test_health_reports_an_unreachable_search_engine(client):
    assert client.get("/sante/").json()["checks"]["search"] == "ok"
    with override_settings(WAGTAILSEARCH_BACKENDS=UNREACHABLE):
        response = client.get("/sante/")
    assert response.status_code == 503
    assert response.json()["checks"]["search"].startswith("error")
    assert response.json()["checks"]["database"] == "ok"


# --- The result list is a cached fragment (comcep/core/fragments.py) ------------------------------------


def _hits_block() -> str:
    from pathlib import Path

    from django.conf import settings

    source = (Path(settings.BASE_DIR) / "templates/search/search.html").read_text()
    start = source.index("{% fragment hits_fragment_key")
    return source[start:source.index("{% endfragment %}", start)]


def test_the_result_lists_key_holds_every_value_the_list_reads():
    """The cached list reads these values only, and each of them changes the key: dropping one from
    search.views.hits_fragment_key fails here."""
    import copy
    import datetime
    from types import SimpleNamespace

    from django.utils.safestring import mark_safe

    from search.views import LOG_PLACEHOLDER, hits_fragment_key

    block = _hits_block()
    assert set(re.findall(r"\bhit\.([\w.]+)", block)) == {"kind_label", "click_url", "entry.url", "date_label",
                                                           "title_html", "snippet", "themes", "date"}
    assert set(re.findall(r"\{\{ (\w+)", block)) <= {"hit", "name", "first_number"}

    def outcome(**changes):
        hit = SimpleNamespace(kind_label="Guide", click_url=f"/recherche/aller/{LOG_PLACEHOLDER}/7/",
                              entry=SimpleNamespace(pk=7, url="/ressources/a/", kind="resource"),
                              date_label="Publié le", title_html=mark_safe("<mark>VAE</mark>"),
                              snippet=mark_safe("Un <mark>extrait</mark>"), themes=[("vae", "VAE")],
                              date=datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC))
        result = SimpleNamespace(page=1, page_size=20, hits=[hit])
        for name, value in changes.items():
            target = result if name == "page" else (hit.entry if name == "url" else hit)
            setattr(target, name, value)
        return result

    base = hits_fragment_key(outcome())
    variants = {"kind_label": "Fiche", "click_url": "/recherche/aller/x/8/", "url": "/ressources/b/",
                "title_html": mark_safe("<mark>CPF</mark>"), "snippet": mark_safe("Autre"),
                "themes": [("cpf", "CPF")], "date": datetime.datetime(2026, 1, 3, tzinfo=datetime.UTC), "page": 2,
                "date_label": "Événement le"}
    for name, value in variants.items():
        assert hits_fragment_key(outcome(**{name: value})) != base, name
    # The same text, escaped or not, renders differently.
    assert hits_fragment_key(outcome(title_html="<mark>VAE</mark>")) != base
    no_click = outcome()
    del no_click.hits[0].click_url
    assert hits_fragment_key(no_click) != base and hits_fragment_key(copy.deepcopy(outcome())) == base


def test_the_cached_result_list_shows_each_searchs_log_id_and_edits_at_once(client, entries, make_entry, moderator):
    from comcep.core import fragments

    with override_settings(DEBUG=False, FRAGMENT_CACHE=True):
        fragments.clear()
        pages = []
        for _ in range(2):
            html = client.get("/recherche/", {"q": "vae"}).content.decode()
            pages.append((SearchQueryLog.objects.latest("pk").pk, html))
        assert fragments.cached_count("search-hits") == 1
        for log_id, html in pages:
            links = re.findall(r'class="result-title"><a href="([^"]+)"', html)
            assert len(links) == 2 and all(link.startswith(f"/recherche/aller/{log_id}/") for link in links)
        # A moderator's searches are not logged: the results link to the entries themselves.
        client.force_login(moderator)
        html = client.get("/recherche/", {"q": "vae"}).content.decode()
        assert sorted(re.findall(r'class="result-title"><a href="([^"]+)"', html))[0].startswith("/ressources/")
        client.logout()
        make_entry("Financer une VAE avec le CPF", subkind="fiche-pratique", themes=["vae", "cpf"], region="corse",
                   summary="MARQUEUR-NOUVEAU-RÉSUMÉ")
        assert "MARQUEUR-NOUVEAU-RÉSUMÉ" in client.get("/recherche/", {"q": "vae"}).content.decode()


def test_facet_counts_are_read_out_with_their_unit_in_the_reader_language(client, entries):
    """Screen readers hear "2 résultats" after a facet option (and "results" in English), and the
    state of an active filter instead."""
    html = client.get("/recherche/", {"q": "VAE"}).content.decode()
    assert re.search(r'facet-count">2</span>\s*<span class="visually-hidden">résultats</span>', html)
    assert re.search(r'facet-count">1</span>\s*<span class="visually-hidden">résultat</span>', html)
    html = client.get("/recherche/", {"q": "VAE", "theme": "cpf"}).content.decode()
    assert '<span class="visually-hidden">(filtre actif, cliquer pour le retirer)</span>' in html
    client.post("/langue/", {"language": "en", "next": "/"})  # the footer's language switch
    html = client.get("/recherche/", {"q": "VAE"}).content.decode()
    assert re.search(r'facet-count">2</span>\s*<span class="visually-hidden">results</span>', html)


def test_facet_count_units_share_one_lazy_class(client, entries):
    """The unit of every facet option is a proxy of one lazy class built once: ``ngettext_lazy(..., n)``
    builds a class per call (~50-90 us, 3-5 ms for a results page's options; docs/performance.md,
    "Session 9")."""
    outcome = client.get("/recherche/", {"q": "VAE"}).context["outcome"]
    options = [option for facet in outcome.facets for option in facet.options]
    assert len(options) > 2
    assert len({type(option.results) for option in options}) == 1
    again = client.get("/recherche/", {"q": "VAE", "theme": "cpf"}).context["outcome"]
    assert {type(option.results) for facet in again.facets for option in facet.options} == {type(options[0].results)}
