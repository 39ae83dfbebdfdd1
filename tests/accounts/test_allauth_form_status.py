"""allauth's pages follow the project's rule for a submitted form with errors: 400, the errors next to the
fields, what was typed kept (never a 200 that a script, a monitor or a test would read as a success)."""

import re

import pytest
from django.core import mail

from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.django_db


def logged_in(client, member):
    """A real login (allauth records when: the security pages then do not ask for the password again)."""
    assert client.post("/comptes/login/", {"login": member.email, "password": PASSWORD}).status_code == 302


def test_login_with_a_wrong_password_is_a_400(client, member):
    response = client.post("/comptes/login/", {"login": member.email, "password": "pas-le-bon"})
    assert response.status_code == 400
    assert f'value="{member.email}"' in response.content.decode()


def test_signup_with_errors_is_a_400(client):
    response = client.post("/comptes/signup/", {"email": "nouvelle@exemple.fr", "display_name": "Nina",
                                                "password1": "Orientation-2026", "password2": "autre-chose"})
    assert response.status_code == 400
    assert 'value="nouvelle@exemple.fr"' in response.content.decode()


def test_password_reset_with_an_invalid_address_is_a_400(client):
    response = client.post("/comptes/password/reset/", {"email": "pas-une-adresse"})
    assert response.status_code == 400
    assert 'value="pas-une-adresse"' in response.content.decode()


def test_password_reset_from_the_link_with_different_passwords_is_a_400(client, member):
    client.post("/comptes/password/reset/", {"email": member.email})
    link = re.search(r"https?://[^/\s]+(/comptes/password/reset/key/[^\s]+/)", mail.outbox[-1].body).group(1)
    page = client.get(link, follow=True)
    url = page.redirect_chain[-1][0] if page.redirect_chain else link
    response = client.post(url, {"password1": "Nouveau-mot-de-passe-2026", "password2": "Autre-mot-de-passe-2026"})
    assert response.status_code == 400


def test_password_change_with_a_wrong_current_password_is_a_400(client, member):
    logged_in(client, member)
    response = client.post("/comptes/password/change/", {"oldpassword": "pas-le-bon", "password1": "Nouveau-2026-x",
                                                         "password2": "Nouveau-2026-x"})
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_email_change_to_an_invalid_address_is_a_400_with_the_text_kept(client, member):
    logged_in(client, member)
    response = client.post("/comptes/email/", {"action_add": "", "email": "pas-une-adresse"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="pas-une-adresse"' in html and "errorlist" in html
    assert client.post("/comptes/email/", {"action_add": "", "email": "nouvelle@exemple.fr"}).status_code == 302


def test_reauthentication_with_a_wrong_password_is_a_400(client, member):
    client.force_login(member)
    response = client.post("/comptes/reauthenticate/", {"password": "pas-le-bon"})
    assert response.status_code == 400


def test_totp_activation_with_a_wrong_code_is_a_400(client, member):
    logged_in(client, member)
    assert client.post("/comptes/reauthenticate/", {"password": PASSWORD}).status_code == 302
    assert client.get("/comptes/2fa/totp/activate/").status_code == 200
    response = client.post("/comptes/2fa/totp/activate/", {"code": "000000"})
    assert response.status_code == 400


def test_a_valid_form_still_answers_as_allauth_does(client, member):
    assert client.get("/comptes/login/").status_code == 200
    logged_in(client, member)
