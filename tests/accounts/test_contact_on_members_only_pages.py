"""The "members only" pages of the library and the directory tell a refused member where to write, as the
pending page does: a mailto link when COMCEP_CONTACT_EMAIL is set, the plain sentence otherwise."""

from html import unescape

import pytest
from django.test import override_settings

from comcep.accounts import services

pytestmark = pytest.mark.django_db

LINK = '<a href="mailto:animation@exemple.fr">animation@exemple.fr</a>'
PAGES = ["/annuaire/", "/ressources-actions/favoris/"]


@pytest.fixture
def refused(moderator, pending_member):
    services.reject(pending_member, by=moderator, reason="Structure hors du CEP.")
    return pending_member


@pytest.mark.parametrize("url", PAGES)
@override_settings(COMCEP_CONTACT_EMAIL="Équipe d'animation <animation@exemple.fr>")
def test_a_refused_member_sees_the_contact_address_as_a_link(client, refused, url):
    client.force_login(refused)
    response = client.get(url)
    assert response.status_code == 403
    assert LINK in response.content.decode()


@pytest.mark.parametrize("url", PAGES)
@override_settings(COMCEP_CONTACT_EMAIL="")
def test_without_an_address_the_sentence_stays(client, refused, url):
    client.force_login(refused)
    html = unescape(client.get(url).content.decode())
    assert "mailto:" not in html and "Si vous pensez qu'il s'agit d'une erreur, contactez l'équipe d'animation." in html
