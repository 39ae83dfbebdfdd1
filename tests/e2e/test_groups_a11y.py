"""Regional groups in a real browser, with the French demo content: axe finds no serious
violation on the list, a group page, the coordinator's management page (with an invitation
search and a pending request), the announcement form (with errors), the space's moderation
queue, and Mon espace with an invitation to answer; the join request works without JS."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from comcep.accounts.models import User
from comcep.core import exchange
from comcep.groups import services
from comcep.groups.models import RegionalGroup
from tests.e2e.a11y import assert_no_serious_violations
from tests.e2e.conftest import E2E_DB
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, E2E_DB]

DEMO = Path(settings.BASE_DIR) / "comcep" / "core" / "demo"


def _context(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    return context


def test_group_pages_are_accessible(browser, live_server):
    for path in sorted(DEMO.glob("*.json")):
        exchange.import_content(exchange.load_json(path.read_text(encoding="utf-8")))
    group = RegionalGroup.objects.select_related("space").get(slug="auvergne-rhone-alpes")
    coordinator = User.objects.get(email="awa.diallo@ft-exemple.fr")
    newcomer = UserFactory(display_name="Nouvelle Conseillère", organisation="Apec Grenoble")
    guest = UserFactory(display_name="Invitée Test")
    services.invite(group=RegionalGroup.objects.get(slug="ile-de-france"),
                    by=User.objects.get(email="sophie.girard@apec-exemple.fr"), user=guest)

    context = _context(browser, live_server, newcomer)
    page = context.new_page()
    try:
        page.goto("/groupes/")
        assert page.get_by_role("heading", level=1, name="Groupes régionaux").is_visible()
        assert_no_serious_violations(page)
        page.get_by_role("link", name="Groupe Auvergne-Rhône-Alpes").click()
        page.get_by_role("heading", level=1, name="Groupe Auvergne-Rhône-Alpes").wait_for()
        assert_no_serious_violations(page)
        page.get_by_role("button", name="Demander à rejoindre").click()
        page.get_by_role("button", name="Retirer ma demande").wait_for()
        assert_no_serious_violations(page)
    finally:
        context.close()

    context = _context(browser, live_server, coordinator)
    page = context.new_page()
    try:
        page.goto(f"/groupes/{group.slug}/gestion/?q=Invit")
        assert page.get_by_role("button", name="Accepter la demande de Nouvelle Conseillère").is_visible()
        assert_no_serious_violations(page)
        page.goto(f"/groupes/{group.slug}/annonce/")
        page.get_by_role("button", name="Publier l'annonce").click()
        page.get_by_text("Champ requis.").first.wait_for()
        assert_no_serious_violations(page)
        page.goto(f"/echanges/{group.space.slug}/moderation/")
        assert_no_serious_violations(page)
    finally:
        context.close()

    context = _context(browser, live_server, guest)
    page = context.new_page()
    try:
        page.goto("/mon-espace/")
        assert page.get_by_role("button", name="Accepter l'invitation au groupe Groupe Île-de-France").is_visible()
        assert_no_serious_violations(page)
    finally:
        context.close()
