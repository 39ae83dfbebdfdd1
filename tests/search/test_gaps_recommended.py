"""Content gaps: the moderators' recommended result, shown first to readers who may see it."""

import pytest

from search.gaps import query_key
from search.models import SearchGap
from search.query import parse

pytestmark = pytest.mark.django_db


def recommend(text, entry):
    return SearchGap.objects.create(key=query_key(parse(text)), label=text, recommended_entry=entry,
                                    status="handled")


def test_a_search_without_results_shows_the_recommended_result(client, make_entry):
    entry = make_entry("Financer une reconversion", summary="Les dispositifs de financement",
                       url="/ressources/financer-une-reconversion/")
    recommend("transition pro", entry)
    html = client.get("/recherche/", {"q": "Transitions  PRO"}).content.decode()
    assert "Aucun résultat" in html
    assert "Résultat recommandé" in html and "Financer une reconversion" in html
    assert "/recherche/aller/" in html  # the recommended link counts clicks too
    data = client.get("/recherche/api/", {"q": "transition pro"}).json()
    assert data["total"] == 0
    assert data["recommended"]["title"] == "Financer une reconversion"
    assert data["recommended"]["url"] == "/ressources/financer-une-reconversion/"
    assert set(data["recommended"]) == {"kind", "title", "url", "snippet", "published_at"}


def test_the_recommended_result_follows_permissions(client, make_entry, member, pending_member):
    entry = make_entry("Note interne sur la VAE", access="members")
    recommend("vae inversee", entry)
    for user in (None, pending_member):
        if user:
            client.force_login(user)
        assert "Note interne" not in client.get("/recherche/", {"q": "vae inversée"}).content.decode()
        assert client.get("/recherche/api/", {"q": "vae inversée"}).json()["recommended"] is None
    client.force_login(member)
    assert "Note interne" in client.get("/recherche/", {"q": "vae inversée"}).content.decode()
    assert client.get("/recherche/api/", {"q": "vae inversée"}).json()["recommended"]["title"] == (
        "Note interne sur la VAE")


def test_no_recommendation_no_block_and_null_in_the_api(client, make_entry):
    make_entry("Préparer un entretien VAE")
    assert "Résultat recommandé" not in client.get("/recherche/", {"q": "entretien"}).content.decode()
    assert client.get("/recherche/api/", {"q": "entretien"}).json()["recommended"] is None


def test_recommended_only_on_the_first_page(client, make_entry):
    entry = make_entry("Fiche repère")
    for i in range(12):
        make_entry(f"Atelier {i}")
    recommend("atelier", entry)
    assert "Résultat recommandé" in client.get("/recherche/", {"q": "atelier"}).content.decode()
    assert "Résultat recommandé" not in client.get("/recherche/", {"q": "atelier", "page": "2"}).content.decode()
    assert client.get("/recherche/api/", {"q": "atelier", "page": "2"}).json()["recommended"] is None
