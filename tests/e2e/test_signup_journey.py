"""In a real browser: sign up, open the verification link from the e-mail, confirm,
and land on the "en attente de validation" page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from comcep.accounts.enums import MembershipStatus
from comcep.accounts.models import User
from tests.e2e.a11y import assert_no_serious_violations
from tests.e2e.conftest import E2E_DB

pytestmark = [pytest.mark.e2e, E2E_DB]

LINK_RE = re.compile(r"https?://[^/\s]+(/comptes/confirm-email/[^\s]+/)")


def test_account_pages_have_no_serious_accessibility_violation(page):
    for url in ("/comptes/signup/", "/comptes/login/", "/comptes/password/reset/"):
        page.goto(url)
        assert_no_serious_violations(page)
    # With errors shown next to the fields, too (a password too short and different confirmation).
    page.goto("/comptes/signup/")
    page.get_by_label("E-mail").fill("x@exemple.fr")
    page.get_by_label("Nom affiché").fill("X")
    page.get_by_label("Structure").fill("Y")
    page.get_by_label("Opérateur").select_option("apec")
    page.get_by_label("Région").select_option("corse")
    page.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill("court")
    page.get_by_label("Mot de passe (confirmation)").fill("autre")
    page.get_by_role("button", name="Création de compte").click()
    expect(page.locator(".errorlist").first).to_be_visible()  # retried until the answer is shown
    assert_no_serious_violations(page)


def test_signup_to_pending_page_in_a_real_browser(page):
    page.goto("/")
    page.get_by_role("link", name="Rejoindre", exact=True).click()
    page.get_by_label("E-mail").fill("lea.moreau@cabinet-orientation.fr")
    page.get_by_label("Nom affiché").fill("Léa M.")
    page.get_by_label("Structure").fill("Cabinet Orientation Plus")
    page.get_by_label("Opérateur").select_option("operateur-regional")
    page.get_by_label("Région").select_option("occitanie")
    page.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill("Orientation-2026-solide")
    page.get_by_label("Mot de passe (confirmation)").fill("Orientation-2026-solide")
    page.get_by_role("button", name="Création de compte").click()
    page.wait_for_url("**/comptes/confirm-email/")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Vérifiez votre adresse e-mail"

    [message] = [m for m in mail.outbox if "lea.moreau@cabinet-orientation.fr" in m.to]
    link = LINK_RE.search(message.body).group(1)
    page.goto(link)
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url("**/mon-espace/en-attente/")
    assert "Votre compte est en attente de validation" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("status").first.is_visible()

    user = User.objects.get(email="lea.moreau@cabinet-orientation.fr")
    assert user.status == MembershipStatus.PENDING
    assert user.emailaddress_set.get().verified
