"""Actualités: listing, visibility, RSS feed, home page."""

import xml.etree.ElementTree as ET

import pytest

from comcep.news.enums import Visibility
from tests.factories import ModeratorFactory, PendingUserFactory, UserFactory
from tests.factories.news import NewsPageFactory

pytestmark = pytest.mark.django_db


def test_news_index_lists_newest_first_and_paginates(client):
    for i in range(14):
        NewsPageFactory(title=f"Actualité {i:02d}")
    html = client.get("/actualites/").content.decode()
    assert html.index("Actualité 13") < html.index("Actualité 12")
    assert "Actualité 01" not in html
    assert "Actualité 01" in client.get("/actualites/", {"page": 2}).content.decode()
    assert client.get("/actualites/", {"page": "zzz"}).status_code == 200


def test_members_only_news_visitor_login_pending_403_member_and_moderator_ok(client):
    news = NewsPageFactory(title="Note interne aux membres", visibility=Visibility.MEMBERS)
    NewsPageFactory(title="Nouveau cahier des charges du CEP")
    listing = client.get("/actualites/").content.decode()
    assert "Nouveau cahier des charges du CEP" in listing and "Note interne aux membres" not in listing
    response = client.get(news.url)
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    client.force_login(PendingUserFactory())
    assert client.get(news.url).status_code == 403
    assert "Note interne aux membres" not in client.get("/actualites/").content.decode()
    for user in (UserFactory(), ModeratorFactory()):
        client.force_login(user)
        assert client.get(news.url).status_code == 200
        assert "Note interne aux membres" in client.get("/actualites/").content.decode()


def test_news_page_shows_intro_body_and_quote(client):
    news = NewsPageFactory(title="Réforme de la VAE : ce qui change", intro="Le point complet.", body=[
        ("heading", "Ce qui change"), ("paragraph", "<p>Un parcours simplifié.</p>"),
        ("quote", {"quote": "Une avancée pour les candidats.", "attribution": "Une conseillère"}),
    ])
    html = client.get(news.url).content.decode()
    assert "<h2>Ce qui change</h2>" in html and "Un parcours simplifié." in html
    assert "<blockquote>" in html and "Une conseillère" in html and "Le point complet." in html


def test_rss_feed_has_public_news_only(client):
    NewsPageFactory(title="Réforme de la VAE : ce qui change")
    NewsPageFactory(title="Réservée", visibility=Visibility.MEMBERS)
    NewsPageFactory(title="Brouillon", live=False)
    response = client.get("/actualites/flux.rss")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    titles = [item.findtext("title") for item in root.iter("item")]
    assert titles == ["Réforme de la VAE : ce qui change"]
    link = root.find("channel/item/link").text
    assert "/actualites/reforme-de-la-vae" in link or link.startswith("http")


def test_home_page_shows_latest_news(client):
    NewsPageFactory(title="Nouveau cahier des charges du CEP", intro="Ce qui change au 1er janvier.")
    NewsPageFactory(title="Réservée aux membres", visibility=Visibility.MEMBERS)
    html = client.get("/").content.decode()
    assert "Nouveau cahier des charges du CEP" in html and "Ce qui change au 1er janvier." in html
    assert "Réservée aux membres" not in html


@pytest.mark.parametrize("count", [2, 12])
def test_news_index_queries_are_constant(client, member, count, django_assert_max_num_queries):
    for _ in range(count):
        NewsPageFactory()
    client.force_login(member)
    client.get("/actualites/")
    with django_assert_max_num_queries(12):
        assert client.get("/actualites/").status_code == 200


def test_pending_member_is_told_why_a_members_only_news_item_is_closed_to_them(client):
    # As for members-only resources and events: the reason and where to learn more, not "Accès refusé".
    news = NewsPageFactory(title="Note interne aux membres", visibility=Visibility.MEMBERS)
    client.force_login(PendingUserFactory())
    response = client.get(news.url)
    html = response.content.decode()
    assert response.status_code == 403
    assert "Accès refusé" not in html and "Note interne aux membres" not in html
    assert "Votre compte est en attente de validation" in html and 'href="/mon-espace/en-attente/"' in html
