"""The library's "recent" cards take their themes' names from the facet index (resources.facet_index):
no query for them, the taxonomy's order, and a change of a resource's themes or of a theme's order shows
at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resources.models import ResourcePage
from tests.factories.resources import ResourcePageFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def _cards(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/ressources/")
    assert response.status_code == 200
    cards = {card.title: card.theme_names for card in response.context["library"]["resources"]}
    return cards, [q["sql"] for q in queries.captured_queries if "resources_resourcepage_themes" in q["sql"]]


def test_cards_read_no_theme_row_and_follow_the_taxonomy(client, moderator):
    first = ThemeFactory(slug="premier", name="Zèbre premier", sort_order=1)
    second = ThemeFactory(slug="second", name="Abeille seconde", sort_order=2)
    page = ResourcePageFactory(title="Fiche à thèmes", themes=[second, first])
    ResourcePageFactory(title="Fiche sans thème")
    _cards(client)  # builds the facet index (which reads the through table)
    cards, theme_reads = _cards(client)
    assert theme_reads == []
    assert cards == {"Fiche à thèmes": ("Zèbre premier", "Abeille seconde"), "Fiche sans thème": ()}
    assert cards["Fiche à thèmes"] == tuple(t.name for t in ResourcePage.objects.get(pk=page.pk).themes.all())
    second.sort_order = 0
    second.save()
    assert _cards(client)[0]["Fiche à thèmes"] == ("Abeille seconde", "Zèbre premier")
    page = ResourcePage.objects.get(pk=page.pk)
    page.themes.set([first])
    page.save_revision(user=moderator).publish(user=moderator)
    assert _cards(client)[0]["Fiche à thèmes"] == ("Zèbre premier",)
