"""The apps name their entries' kinds to search (search.registry.register_entry_kind); search names none of
them (DESIGN.md: dependencies point one way, search knows nothing of the apps that register with it)."""

import importlib.util
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.functional import lazy

from search import labels, registry

from .conftest import run_search


def _apps_registering_with_search():
    """The project's apps that put content into the search: those with a ``search`` module (their indexer).
    Installed packages are not the project's, even when the virtualenv lies inside it (``make`` puts it in
    ``.venv``; Wagtail has a ``wagtail.search``)."""
    return [config.name for config in apps.get_app_configs()
            if config.name != "search" and config.path.startswith(str(settings.BASE_DIR))
            and "site-packages" not in Path(config.path).parts
            and importlib.util.find_spec(f"{config.name}.search") is not None]


def _search_app_sources():
    base = Path(settings.BASE_DIR)
    return [(path.relative_to(base), path.read_text()) for root in ("search", "templates/search")
            for path in sorted((base / root).rglob("*")) if path.suffix in (".py", ".html", ".txt")]


#: Kind slugs that are also words of the search app's own code: a facet's "group" (theme, region...) is
#: not the regional groups' kind.
SEARCH_OWN_WORDS = {"group"}


def test_the_search_app_neither_imports_nor_names_the_apps_kinds():
    registering = _apps_registering_with_search()
    assert {"resources", "forums", "comcep.events"} <= set(registering)
    kinds = registry.kinds()
    assert {"resource", "thread", "event", "fiche-pratique", "webinaire"} <= set(kinds)
    with translation.override("fr"):  # the French labels are the msgids
        names = {str(text) for kind in kinds.values() for text in (kind.label, kind.date_label) if text}
    problems = []
    for path, text in _search_app_sources():
        for app in registering:
            if re.search(rf"^\s*(from|import)\s+{re.escape(app)}\b", text, re.MULTILINE):
                problems.append(f"{path} imports {app}")
        problems += [f"{path} names the kind {slug!r}" for slug in kinds.keys() - SEARCH_OWN_WORDS
                     if re.search(rf"""["']{re.escape(slug)}["']""", text)]
        problems += [f"{path} names the label {name!r}" for name in names
                     if re.search(rf"""["']{re.escape(name)}["']""", text)]
    assert problems == []


@pytest.fixture
def poll_kind(monkeypatch):
    """A kind an app would register: a poll, whose date is the day it closes."""
    monkeypatch.setattr(registry, "_kinds", dict(registry._kinds))

    def in_language(french, english):
        return lazy(lambda: english if translation.get_language() == "en" else french, str)()

    registry.register_entry_kind("sondage", in_language("Sondage", "Poll"),
                                 date_label=in_language("Clôture le", "Closes on"),
                                 subkinds=[("sondage-express", in_language("Sondage express", "Quick poll"))])
    yield
    labels.forget_translations()


def _result(html, title):
    match = re.search(rf'(?s)<p class="result-kind">([^<]*)</p>\s*<h2 class="result-title"><a [^>]*>{title}</a>'
                      rf'.*?class="result-date">([^<]*)<', html)
    return match.groups() if match else None


@pytest.mark.django_db
def test_a_registered_kind_names_the_results_and_the_type_facet_in_the_readers_language(
        client, make_entry, poll_kind):
    make_entry("Votre avis sur la permanence", kind="sondage", subkind="", url="/sondages/1/")
    make_entry("Votre avis express", kind="sondage", subkind="sondage-express", url="/sondages/2/")
    make_entry("Votre avis sur un type inconnu", kind="questionnaire-libre", subkind="", url="/q/1/")
    html = client.get("/recherche/", {"q": "avis"}).content.decode()
    assert _result(html, "Votre <mark>avis</mark> sur la permanence") == ("Sondage", "Clôture le ")
    # The subkind names the result and the facet; the kind names the date.
    assert _result(html, "Votre <mark>avis</mark> express") == ("Sondage express", "Clôture le ")
    # A kind nobody registered: its slug, and its date is a publication date.
    assert _result(html, "Votre <mark>avis</mark> sur un type inconnu") == ("Questionnaire libre", "Publié le ")
    with translation.override("fr"):
        [kind_facet] = [f for f in run_search("avis").facets if f.group == "kind"]
        assert {o.value: o.label for o in kind_facet.options} == {
            "sondage": "Sondage", "sondage-express": "Sondage express", "questionnaire-libre": "Questionnaire libre"}

    client.post("/langue/", {"language": "en", "next": "/"})
    html = client.get("/recherche/", {"q": "avis"}).content.decode()
    assert _result(html, "Votre <mark>avis</mark> sur la permanence") == ("Poll", "Closes on ")
    assert _result(html, "Votre <mark>avis</mark> express") == ("Quick poll", "Closes on ")
    with translation.override("en"):
        [kind_facet] = [f for f in run_search("avis").facets if f.group == "kind"]
        assert {o.value: o.label for o in kind_facet.options}["sondage-express"] == "Quick poll"


@pytest.mark.django_db
def test_the_apps_kinds_keep_their_labels_in_both_languages(client, make_entry):
    """What the apps registered is what the results showed when search listed the kinds itself."""
    make_entry("Webinaire numérique", kind="event", subkind="webinaire", url="/agenda/w/", days_ago=-3)
    make_entry("Fiche numérique", kind="resource", subkind="retour-experience", url="/ressources/f/")
    make_entry("Discussion numérique", kind="thread", subkind="", url="/echanges/vae/1-d/")
    make_entry("Actualité numérique", kind="news", subkind="", url="/actualites/a/")
    html = client.get("/recherche/", {"q": "numérique"}).content.decode()
    assert _result(html, "Webinaire <mark>numérique</mark>") == ("Webinaire", "Événement le ")
    assert _result(html, "Fiche <mark>numérique</mark>") == ("Retour d&#x27;expérience", "Publié le ")
    assert _result(html, "Discussion <mark>numérique</mark>") == ("Discussion", "Publié le ")
    assert _result(html, "Actualité <mark>numérique</mark>") == ("Actualité", "Publié le ")
    client.post("/langue/", {"language": "en", "next": "/"})
    html = client.get("/recherche/", {"q": "numérique"}).content.decode()
    assert _result(html, "Webinaire <mark>numérique</mark>") == ("Webinar", "Event on ")
    assert _result(html, "Discussion <mark>numérique</mark>") == ("Discussion", "Published on ")
