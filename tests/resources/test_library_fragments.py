"""The library's filter panel and resource cards are served from the content-addressed fragment cache
(comcep/core/fragments.py): an edit, a vote, a renamed theme or a new resource shows at once."""

import re

import pytest

from comcep.core import fragments
from resources import services
from tests.factories import UserFactory
from tests.factories.resources import ResourcePageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache_on")]


def listing(client, **params) -> str:
    response = client.get("/ressources/", params)
    assert response.status_code == 200
    return response.content.decode()


def card(html: str, title: str) -> str:
    match = re.search(rf'<li class="resource-card">(?:(?!</li>\s*(?:<li class="resource-card">|</ol>)).)*?'
                      rf'{re.escape(title)}.*?</li>\s*(?=<li class="resource-card">|</ol>)', html, re.S)
    assert match, f"no card for {title}"
    return match.group(0)


def facet_count(html: str, param: str, value: str) -> int | None:
    match = re.search(rf'for="f-{param}-{value}">[^<]*<span class="facet-count">\((\d+)', html)
    return int(match.group(1)) if match else None


def test_cards_and_filters_are_cached(client, themes):
    ResourcePageFactory(title="Guide VAE", themes=[themes["vae"]])
    first = listing(client)
    # the filter panel and the card
    assert fragments.cached_count("library-facets") + fragments.cached_count("library-card") == 2
    again = listing(client)
    assert fragments.cached_count("library-facets") + fragments.cached_count("library-card") == 2
    assert card(again, "Guide VAE") == card(first, "Guide VAE")


def test_an_edited_and_republished_resource_shows_its_new_title_and_summary(client, themes):
    page = ResourcePageFactory(title="Ancien titre", themes=[themes["vae"]])
    assert "Ancien titre" in listing(client)
    page.title, page.summary = "Nouveau titre", "Un résumé réécrit."
    page.save_revision().publish()
    html = listing(client)
    assert "Ancien titre" not in html
    assert "Un résumé réécrit." in card(html, "Nouveau titre")


def test_a_useful_vote_shows_in_the_card(client, themes):
    page = ResourcePageFactory(title="Fiche utile", themes=[themes["vae"]])
    assert "trouvée utile" not in card(listing(client), "Fiche utile")
    services.vote_useful(user=UserFactory(), page=page)
    assert "1 membre l'a trouvée utile" in card(listing(client), "Fiche utile")


def test_a_renamed_theme_shows_in_cards_and_filters(client, themes):
    ResourcePageFactory(title="Fiche CPF", themes=[themes["cpf"]])
    html = listing(client)
    assert "Compte personnel de formation (CPF)" in card(html, "Fiche CPF")
    themes["cpf"].name = "Mon compte formation"
    themes["cpf"].save()
    html = listing(client)
    assert "Mon compte formation" in card(html, "Fiche CPF")
    assert re.search(r'for="f-theme-cpf">Mon compte formation', html)
    assert "Compte personnel de formation (CPF)" not in html


def test_a_new_resource_changes_the_counts_at_once(client, themes, member):
    ResourcePageFactory(title="Premier guide", kind="guide", themes=[themes["vae"]])
    assert facet_count(listing(client, theme="vae"), "type", "guide") == 1
    ResourcePageFactory(title="Deuxième guide", kind="guide", themes=[themes["vae"]])
    html = listing(client, theme="vae")
    assert facet_count(html, "type", "guide") == 2
    assert "Deuxième guide" in html
    ResourcePageFactory(title="Guide réservé", kind="guide", themes=[themes["vae"]], visibility="members")
    assert facet_count(listing(client, theme="vae"), "type", "guide") == 2  # a visitor: not counted
    client.force_login(member)
    html = listing(client, theme="vae")
    assert facet_count(html, "type", "guide") == 3
    assert "Réservé aux membres" in card(html, "Guide réservé")
