"""Every allauth page a person meets renders in French, in the site's layout, without
inline scripts or styles (the public CSP forbids them)."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core import mail

from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")


def assert_in_layout(response, heading):
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert 'class="skip-link" href="#contenu"' in html and '<main id="contenu"' in html
    assert "css/accounts.css" in html
    assert heading in html, heading
    assert ' style="' not in html
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    return html


@pytest.mark.parametrize(("url", "heading"), [
    ("/comptes/login/", "Connexion"),
    ("/comptes/signup/", "Création de compte"),
    ("/comptes/password/reset/", "Mot de passe oublié"),
    ("/comptes/password/reset/done/", "Réinitialisation du mot de passe"),
    ("/comptes/confirm-email/", "Vérifiez votre adresse e-mail"),
    ("/comptes/inactive/", "Compte inactif"),
])
def test_anonymous_pages(client, url, heading):
    assert_in_layout(client.get(url), heading)


@pytest.mark.parametrize(("url", "heading"), [
    ("/comptes/password/change/", "Modifier le mot de passe"),
    ("/comptes/email/", "Adresse"),
    ("/comptes/logout/", "Se déconnecter"),
    ("/comptes/reauthenticate/", "Confirmer l'accès"),
    ("/comptes/2fa/", "Authentification à deux facteurs"),
    ("/comptes/2fa/webauthn/", "Clés de sécurité"),
])
def test_member_pages(client, member, url, heading):
    client.force_login(member)
    assert_in_layout(client.get(url), heading)


def test_password_reset_from_the_email_link(client, member):
    client.post("/comptes/password/reset/", {"email": member.email})
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/comptes/password/reset/key/[^\s]+/)", message.body).group(1)
    response = client.get(link, follow=True)
    assert_in_layout(response, "Modifier le mot de passe")
    response = client.post(response.redirect_chain[-1][0] if response.redirect_chain else link,
                           {"password1": "Nouveau-mot-de-passe-2026", "password2": "Nouveau-mot-de-passe-2026"},
                           follow=True)
    assert_in_layout(response, "Votre mot de passe a été modifié")
    member.refresh_from_db()
    assert member.check_password("Nouveau-mot-de-passe-2026")
    # A security notice follows the change (ACCOUNT_EMAIL_NOTIFICATIONS), in French.
    notice = mail.outbox[-1]
    assert notice.to == [member.email] and notice.subject.startswith("[Comcep] ")
    assert notice.body.startswith("Bonjour,"), notice.body
    assert "mot de passe" in notice.subject.lower(), notice.subject


def test_totp_activation_recovery_codes_and_deactivation(client, member):
    client.post("/comptes/login/", {"login": member.email, "password": PASSWORD})
    response = client.get("/comptes/2fa/totp/activate/")
    # Security changes ask for the password again (ACCOUNT_REAUTHENTICATION_REQUIRED).
    assert response.status_code == 302 and response["Location"].startswith("/comptes/reauthenticate/")
    assert_in_layout(client.get(response["Location"]), "Confirmer l'accès")
    assert client.post(response["Location"], {"password": PASSWORD}).status_code == 302
    response = client.get("/comptes/2fa/totp/activate/")
    html = assert_in_layout(response, "Activer l")
    secret = re.search(r'value="([A-Z2-7]{16,})"', html).group(1)
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post("/comptes/2fa/totp/activate/", {"code": code}, follow=True)
    assert_in_layout(response, "Codes de récupération")
    assert_in_layout(client.get("/comptes/2fa/recovery-codes/"), "Codes de récupération")
    assert_in_layout(client.get("/comptes/2fa/totp/deactivate/"), "Désactiver")
    client.post("/comptes/2fa/totp/deactivate/")
    assert not member.authenticator_set.filter(type="totp").exists()


def test_mfa_authenticate_page(client, member):
    TOTP.activate(member, generate_totp_secret())
    client.post("/comptes/login/", {"login": member.email, "password": PASSWORD})
    assert_in_layout(client.get("/comptes/2fa/authenticate/"), "Authentification à deux facteurs")


def test_an_error_of_a_hand_built_field_has_a_unique_id_that_the_input_points_to(client, member):
    # templates/allauth/elements/field.html (the e-mail change form): the wrapper of the error list and
    # Django's error list both had the id "id_email_error" (duplicate ids: aria-describedby is ambiguous).
    client.force_login(member)
    client.post("/comptes/reauthenticate/", {"password": PASSWORD})
    response = client.post("/comptes/email/", {"action_add": "", "email": "pas-une-adresse"})
    assert response.status_code == 400  # a form with errors
    html = response.content.decode()
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    describedby = re.search(r'<input name="email"[^>]*aria-describedby="([^"]+)"', html).group(1).split()
    assert describedby and all(f'id="{target}"' in html for target in describedby)
    assert "Saisissez une adresse de courriel valide." in html
