"""The header and footer are served from the fragment cache (comcep/core/chrome.py): every reader
still gets their own — the current navigation item, their status, their unread count, the query
in the search box, the path the language switch returns to and a working CSRF token."""

import re

import pytest
from django.test import Client

from comcep.notifications.models import Notification
from tests.factories import PendingUserFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache_on")]


def header(client, path, **params) -> str:
    response = client.get(path, params)
    assert response.status_code == 200, path
    return re.search(r'<header class="site-header".*?</header>', response.content.decode(), re.S).group(0)


def current(html: str) -> list[str]:
    """The labels of the links marked as the current page."""
    return [" ".join(re.sub(r"<[^>]+>", " ", label).split())
            for label in re.findall(r'aria-current="page">(.*?)</a>', html, re.S)]


def test_the_current_navigation_item_follows_the_page(client, member):
    client.force_login(member)
    assert current(header(client, "/ressources/")) == ["Ressources"]
    assert current(header(client, "/agenda/")) == ["Agenda"]
    assert current(header(client, "/mon-espace/")) == ["Mon espace"]
    assert current(header(client, "/mon-espace/notifications/")) == ["🔔 Notifications"]
    assert current(header(client, "/recherche/", q="vae")) == ["Recherche"]
    assert current(header(client, "/")) == []


def test_each_reader_gets_their_own_status_and_links(client, member):
    assert "Se connecter" in header(client, "/") and "Annuaire" not in header(client, "/")
    client.force_login(PendingUserFactory())
    pending = header(client, "/")
    assert "en attente de validation" in pending and "Annuaire" not in pending
    client.force_login(member)
    approved = header(client, "/")
    assert "en attente de validation" not in approved and "Annuaire" in approved and "Se déconnecter" in approved


def test_the_bell_shows_a_new_notification_at_once(client, member):
    client.force_login(member)
    assert 'class="badge"' not in header(client, "/")
    Notification.objects.create(recipient=member, kind="reply", title="Nouvelle réponse", url="/echanges/")
    assert re.search(r'class="badge">1<', header(client, "/"))


def test_the_search_box_shows_the_current_query_escaped(client):
    html = header(client, "/recherche/", q='vae "><script>alert(1)</script>')
    assert 'value="vae &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert "<script>alert" not in html
    assert 'value="' not in re.search(r'<input id="site-search-q".*?>', header(client, "/"), re.S).group(0)
    again = header(client, "/recherche/", q="bilan")  # the same cached header, another query
    assert 'value="bilan"' in again and "comcep-chrome" not in again


def test_the_language_switch_returns_to_the_page_it_was_on(client):
    pages = ["/ressources/?theme=vae&type=guide", "/agenda/"]
    for path in pages:
        html = client.get(path).content.decode()
        next_value = re.search(r'name="next" value="([^"]*)"', html).group(1)
        assert next_value == path.replace("&", "&amp;")
        assert "comcep-chrome" not in html


def test_the_logout_and_language_forms_carry_the_readers_own_token(member):
    tokens = []
    for user in (member, UserFactory()):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        html = client.get("/").content.decode()
        found = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
        assert len(found) == 1
        tokens.append(found.pop())
        response = client.post("/comptes/logout/", {"csrfmiddlewaretoken": tokens[-1]})
        assert response.status_code == 302  # accepted: the token is this reader's
    assert tokens[0] != tokens[1]
