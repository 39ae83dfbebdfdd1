"""Content gaps: what is logged when a reader searches (issue 9)."""

import re

import pytest

from search import gaps
from search.models import SearchGap, SearchQueryLog
from search.query import parse

pytestmark = pytest.mark.django_db


def key(text):
    return gaps.query_key(parse(text))


def test_variants_of_a_query_are_grouped_under_one_normalised_form():
    assert key("  Conseillères   VAE !") == key("vae, conseiller") == key("la VAE des conseillers")
    assert key("Évaluation") == key("evaluations")
    assert key("vae cpf") == key("CPF vae")
    assert key("vae -cpf") != key("vae cpf")
    assert key("le la les") == ""
    assert parse("  Conseillères   VAE !").normalised == "conseilleres vae"


@pytest.fixture
def entries(make_entry):
    make_entry("Préparer un entretien VAE", body="Conseils pour l'entretien de VAE")
    for i in range(12):
        make_entry(f"Atelier bilan {i}", body="bilan de compétences", themes=["cpf"] if i % 2 else ["vae"])


def logs():
    return list(SearchQueryLog.objects.order_by("pk").values_list("query", "result_count", "source", "gap__key"))


def test_a_search_is_logged_once_with_its_group(client, entries):
    client.get("/recherche/", {"q": "Entretien  VAE"})
    client.get("/recherche/", {"q": "vae entretiens"})
    assert logs() == [("entretien vae", 1, "html", key("vae entretien")), ("vae entretiens", 1, "html",
                                                                             key("vae entretien"))]
    gap = SearchGap.objects.get()
    assert gap.label == "entretien vae" and gap.status == "open"


def test_pages_facets_and_sorting_of_the_same_search_are_not_counted_again(client, entries):
    html = client.get("/recherche/", {"q": "bilan"}).content.decode()
    log = SearchQueryLog.objects.get()
    assert log.result_count == 12
    links = set(re.findall(r'href="(/recherche/\?[^"]+)"', html.replace("&amp;", "&")))
    follow = [u for u in links if "page=2" in u or "theme=cpf" in u or "sort=recent" in u]
    assert len(follow) == 3 and all(f"r={log.pk}" in u for u in follow)
    for url in follow:
        page = client.get(url)
        assert page.status_code == 200
        assert f"/recherche/aller/{log.pk}/" in page.content.decode()  # clicks still counted for the search
    assert SearchQueryLog.objects.count() == 1
    # Page 2 reached without the link (typed URL) is not counted either.
    client.get("/recherche/", {"q": "bilan", "page": "2"})
    assert SearchQueryLog.objects.count() == 1


def test_a_new_query_or_a_bad_reference_is_a_new_search(client, entries):
    client.get("/recherche/", {"q": "bilan"})
    first = SearchQueryLog.objects.get()
    assert client.get("/recherche/", {"q": "entretien", "r": first.pk}).status_code == 200  # another query
    assert client.get("/recherche/", {"q": "bilan", "r": "abc"}).status_code == 200
    assert client.get("/recherche/", {"q": "bilan", "r": "9" * 30}).status_code == 200
    assert [q for q, *_rest in logs()] == ["bilan", "entretien", "bilan", "bilan"]


def test_autocomplete_is_never_logged_and_the_api_logs_page_one(client, entries):
    for typed in ("bi", "bil", "bila", "bilan"):
        assert client.get("/recherche/suggestions/", {"q": typed}).status_code == 200
    assert SearchQueryLog.objects.count() == 0
    client.get("/recherche/api/", {"q": "introuvable"})
    client.get("/recherche/api/", {"q": "bilan", "page": "2"})
    assert logs() == [("introuvable", 0, "api", "introuv")]


def test_browsing_without_words_is_not_logged(client, entries):
    client.get("/recherche/", {"theme": "vae"})
    client.get("/recherche/", {"q": "le la les"})
    assert SearchQueryLog.objects.count() == 0


def test_no_personal_data_is_stored(client, entries, member):
    client.force_login(member)
    client.get("/recherche/", {"q": "bilan"}, REMOTE_ADDR="203.0.113.7")
    fields = {f.name for f in SearchQueryLog._meta.get_fields()}
    assert fields == {"id", "query", "gap", "result_count", "filtered", "source", "clicks", "created_at"}
    assert "203.0.113.7" not in str(list(SearchQueryLog.objects.values()))


def test_moderators_searches_are_not_counted_but_show_the_recommendation(client, entries, moderator):
    from search.models import SearchEntry

    entry = SearchEntry.objects.get(title="Préparer un entretien VAE")
    SearchGap.objects.create(key=key("introuvable"), label="introuvable", recommended_entry=entry)
    client.force_login(moderator)
    html = client.get("/recherche/", {"q": "introuvable"}).content.decode()
    assert "Résultat recommandé" in html and f'href="{entry.url}"' in html  # direct link, no click counted
    assert client.get("/recherche/api/", {"q": "bilan"}).json()["recommended"] is None
    assert SearchQueryLog.objects.count() == 0
