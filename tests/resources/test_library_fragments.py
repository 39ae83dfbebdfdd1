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


# --- The card's values: read from the database without page instances, keyed on all of them ---------------


def _cards(client, **params):
    response = client.get("/ressources/", params)
    assert response.status_code == 200
    return response.context["library"]["resources"]


def test_cards_of_the_recent_list_equal_the_pages_they_show(client, rf, themes, member):
    from comcep.taxonomy.models import Region
    from resources.library import ResourceCard

    region = Region.objects.order_by("pk").first()
    pages = [
        ResourcePageFactory(title="Sans thème ni région"),
        ResourcePageFactory(title="Deux thèmes", themes=[themes["cpf"], themes["vae"]], region=region, kind="guide"),
        ResourcePageFactory(title="Réservée", themes=[themes["vae"]], visibility="members"),
    ]
    services.vote_useful(user=UserFactory(), page=pages[1])
    request = rf.get("/ressources/")
    for reader, expected in ((None, pages[:2]), (member, pages)):
        if reader:
            client.force_login(reader)
        cards = {card.pk: card for card in _cards(client)}
        assert set(cards) == {page.pk for page in expected}
        for page in expected:
            from resources.models import ResourcePage

            loaded = ResourcePage.objects.for_listing().get(pk=page.pk)
            assert cards[page.pk] == ResourceCard.from_page(loaded, request)
    assert cards[pages[1].pk].theme_names == tuple(t.name for t in pages[1].themes.all()) and \
        len(cards[pages[1].pk].theme_names) == 2
    assert cards[pages[1].pk].useful_count == 1 and cards[pages[1].pk].region_name == region.name
    assert cards[pages[0].pk].url == pages[0].get_url(request) == f"/ressources/{pages[0].slug}/"


def test_the_card_template_reads_only_the_cards_fields_and_the_key_holds_them_all():
    """The key is made of every field; the template may read nothing else. Dropping a field from the
    key (or reading something the card does not hold) fails here."""
    import dataclasses
    import datetime
    from pathlib import Path

    from django.conf import settings

    from resources.library import ResourceCard

    source = (Path(settings.BASE_DIR) / "templates/resources/includes/resource_card.html").read_text()
    read = set(re.findall(r"\bresource\.(\w+)", source))
    names = {f.name for f in dataclasses.fields(ResourceCard)}
    assert read and read <= names
    card = ResourceCard(1, "/ressources/a/", "Titre", "Résumé", "Guide", False,
                        datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC), "Bretagne", 3, ("VAE",))
    other_values = {"pk": 2, "url": "/ressources/b/", "title": "Autre", "summary": "Autre résumé",
                    "kind_label": "Fiche", "is_members_only": True,
                    "first_published_at": datetime.datetime(2026, 1, 3, tzinfo=datetime.UTC),
                    "region_name": "Corse", "useful_count": 4, "theme_names": ("CPF",)}
    assert set(other_values) == names
    for name, value in other_values.items():
        assert dataclasses.replace(card, **{name: value}).fragment_key != card.fragment_key, name


def test_a_moved_slug_and_a_renamed_region_show_in_the_card(client, themes):
    from comcep.taxonomy.models import Region

    region = Region.objects.order_by("pk").first()
    page = ResourcePageFactory(title="Fiche régionale", region=region, kind="guide")
    html = card(listing(client), "Fiche régionale")
    assert f'href="/ressources/{page.slug}/"' in html and region.name in html
    page.slug = "nouvelle-adresse"
    page.save_revision().publish()
    region.name = "Région renommée"
    region.save()
    html = card(listing(client), "Fiche régionale")
    assert 'href="/ressources/nouvelle-adresse/"' in html and "Région renommée" in html
