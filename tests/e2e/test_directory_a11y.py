"""The member directory in a real browser: axe finds no serious violation on the list
(with filters) and on a profile page."""

import pytest
from django.conf import settings
from django.test import Client

from comcep.directory.models import DirectoryProfile
from comcep.taxonomy.models import Region, Theme
from tests.e2e.a11y import assert_no_serious_violations
from tests.e2e.conftest import E2E_DB
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, E2E_DB]


def test_directory_pages_are_accessible(browser, live_server):
    theme = Theme.objects.create(slug="vae-e2e", name="VAE")
    for i in range(3):
        user = UserFactory(display_name=f"Conseillère {i}", region=Region.objects.get(slug="bretagne"))
        profile = DirectoryProfile.objects.create(user=user, listed=True, presentation="Conseillère en Bretagne.")
        profile.themes.set([theme])
    reader = UserFactory(display_name="Lectrice")
    client = Client()
    client.force_login(reader)
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto("/annuaire/")
        page.get_by_label("Région").select_option("bretagne")
        page.get_by_role("button", name="Filtrer").click()
        page.wait_for_url("**/annuaire/?region=bretagne")
        assert page.get_by_role("heading", name="3 membres").is_visible()
        assert_no_serious_violations(page)
        page.get_by_role("link", name="Conseillère 0").click()
        page.get_by_role("heading", level=1, name="Conseillère 0").wait_for()
        assert_no_serious_violations(page)
        page.goto("/annuaire/mon-profil/")
        assert_no_serious_violations(page)
    finally:
        context.close()
