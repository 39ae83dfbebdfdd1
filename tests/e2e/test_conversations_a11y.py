"""Private conversations in a real browser: axe finds no serious violation on the inbox, the
new-conversation form (after a server-side recipient search, no JavaScript needed) and a
conversation page; the member starts a conversation with the keyboard-reachable form."""

import pytest
from django.conf import settings
from django.test import Client

from comcep.conversations import services
from tests.e2e.a11y import assert_no_serious_violations
from tests.e2e.conftest import E2E_DB
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, E2E_DB]


def test_conversation_pages_are_accessible(browser, live_server):
    reader = UserFactory(display_name="Lectrice Accessible", organisation="Mission locale de Lyon")
    awa = UserFactory(display_name="Awa Diallo", organisation="France Travail Lyon")
    UserFactory(display_name="Chloé Durand", organisation="Cap emploi 35")
    conversation = services.start_conversation(author=awa, recipients=[reader], subject="Atelier CV",
                                               body="Bonjour, **on anime** l'atelier ensemble ?",
                                               rate_limited=False, notify=False)
    services.add_message(conversation=conversation, author=reader, body="Oui, volontiers.", rate_limited=False,
                         notify=False)
    services.add_message(conversation=conversation, author=awa, body="Parfait, à jeudi.", rate_limited=False,
                         notify=False)
    client = Client()
    client.force_login(reader)
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto("/messages/")
        page.get_by_role("heading", level=1, name="Messages privés").wait_for()
        assert page.get_by_text("1 conversation non lue.").is_visible()
        assert_no_serious_violations(page)
        page.get_by_role("link", name="Atelier CV").click()
        page.get_by_role("heading", level=1, name="Atelier CV").wait_for()
        assert_no_serious_violations(page)

        page.goto("/messages/nouveau/")
        page.get_by_label("Chercher un membre (nom ou structure)").fill("cap emploi")
        page.get_by_role("button", name="Chercher", exact=True).click()
        page.get_by_label("Chloé Durand – Cap emploi 35").check()
        page.get_by_label("Sujet").fill("Réseau Bretagne")
        page.get_by_label("Votre message").fill("Bonjour Chloé, une question sur le PTP.")
        assert_no_serious_violations(page)
        page.get_by_role("button", name="Envoyer", exact=True).click()
        page.get_by_role("heading", level=1, name="Réseau Bretagne").wait_for()
        assert page.get_by_text("Votre message est envoyé.").is_visible()
    finally:
        context.close()
