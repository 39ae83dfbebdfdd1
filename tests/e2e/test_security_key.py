"""In a real browser with a virtual authenticator (Chrome DevTools Protocol): a member adds
a security key (WebAuthn), then needs it, after the password, to log in again."""

import pytest
from allauth.mfa.models import Authenticator
from django.test import override_settings

from tests.e2e.conftest import E2E_DB
from tests.factories import UserFactory
from tests.factories.accounts import PASSWORD

pytestmark = [pytest.mark.e2e, E2E_DB]


@override_settings(MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN=True)  # the live server speaks http://localhost
def test_member_adds_a_security_key_then_logs_in_with_it(page):
    member = UserFactory(email="cle@exemple.fr")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
    }})

    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill(member.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/mon-espace/")

    page.goto("/comptes/2fa/webauthn/add/")
    if "/reauthenticate/" in page.url:
        page.locator("#id_password").fill(PASSWORD)
        page.get_by_role("button", name="Confirmer").click()
        page.wait_for_url("**/2fa/webauthn/add/**")
    page.get_by_label("Nom de la clé").fill("Clé du bureau")
    page.get_by_role("button", name="Ajouter").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    [key] = Authenticator.objects.filter(user=member, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Clé du bureau"

    # Log out, then log in again: the password alone is not enough, the key completes the login.
    page.goto("/comptes/logout/")
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(lambda url: "/logout/" not in url)  # the logout is done before the next page
    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill(member.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/2fa/authenticate/")
    page.locator("#mfa_webauthn_authenticate").click()  # "Utilisez une clé secrète" (allauth's French)
    page.wait_for_url("**/mon-espace/")
    assert "Mon espace" in page.get_by_role("heading", level=1).inner_text()
