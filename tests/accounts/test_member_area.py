"""Mon espace: dashboard panels, profile, data download, account deletion."""

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session

from comcep.accounts import gdpr, member_area
from comcep.accounts.models import User
from tests.factories import UserFactory
from tests.factories.accounts import PASSWORD

from .helpers import signup

pytestmark = pytest.mark.django_db


@pytest.fixture
def extension_points():
    """Register an exporter, an anonymiser and a panel the way other apps do, and remove them afterwards."""
    calls = []

    def export_bookmarks(user):
        return [{"resource": "preparer-un-entretien-vae", "owner": user.email}]

    def anonymise(user):
        calls.append((user.pk, user.email))

    panel = member_area.Panel(
        key="test-favoris", title="Mes favoris", template="accounts/tests/panel.html",
        context=lambda request: {"count": 3}, order=10,
    )
    gdpr.register_exporter("test_bookmarks", export_bookmarks)  # a key no real app uses
    gdpr.register_anonymiser(anonymise)
    member_area.register_panel(panel)
    yield calls
    gdpr._exporters.pop("test_bookmarks", None)
    gdpr._anonymisers.remove(anonymise)
    member_area._panels.pop("test-favoris", None)


def test_anonymous_visitors_are_sent_to_the_login(client):
    for url in ("/mon-espace/", "/mon-espace/profil/", "/mon-espace/supprimer-mon-compte/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/comptes/login/")


def test_dashboard_links_account_management_and_renders_registered_panels(client, member, extension_points):
    client.force_login(member)
    html = client.get("/mon-espace/").content.decode()
    for href in ("/mon-espace/profil/", "/comptes/password/change/", "/comptes/2fa/", "/comptes/email/",
                 "/mon-espace/supprimer-mon-compte/"):
        assert f'href="{href}"' in html
    assert "Télécharger mes données" in html
    assert "Mes favoris" in html and "3 favoris" in html


def test_notification_preferences_placeholder_until_the_notifications_panel_exists(client, member):
    client.force_login(member)
    registered = member_area._panels.pop("notifications", None)
    try:
        assert "Préférences de notification" in client.get("/mon-espace/").content.decode()
    finally:
        if registered:
            member_area.register_panel(registered)
    if registered:  # the notifications app is installed: its panel replaces the placeholder
        html = client.get("/mon-espace/").content.decode()
        assert "Préférences de notification" not in html and str(registered.title) in html


def test_pending_member_dashboard_shows_status_but_no_member_panels(client, pending_member, extension_points):
    client.force_login(pending_member)
    html = client.get("/mon-espace/").content.decode()
    assert "en attente de validation" in html
    assert "Mes favoris" not in html
    assert "Supprimer mon compte" in html


def test_profile_form_shows_the_current_values(client, member):
    client.force_login(member)
    html = client.get("/mon-espace/profil/").content.decode()
    assert f'value="{member.display_name}"' in html
    assert '<option value="mission-locale" selected>' in html
    assert '<option value="auvergne-rhone-alpes" selected>' in html


def test_profile_edit_updates_the_profile(client, member):
    client.force_login(member)
    response = client.post("/mon-espace/profil/", {
        "display_name": "Awa D.", "organisation": "France Travail Villeurbanne",
        "operator": "france-travail", "region": "ile-de-france",
    })
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.display_name, member.organisation, member.operator.slug, member.region.slug) == (
        "Awa D.", "France Travail Villeurbanne", "france-travail", "ile-de-france")


def test_profile_edit_with_unknown_operator_shows_a_french_error_next_to_the_field(client, member):
    client.force_login(member)
    response = client.post("/mon-espace/profil/", {
        "display_name": "Awa D.", "organisation": "X", "operator": "pole-emploi", "region": "bretagne",
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "Sélectionnez un choix valide" in html
    assert 'id="id_operator_error"' in html and 'aria-invalid="true"' in html
    member.refresh_from_db()
    assert member.operator.slug == "mission-locale"


def test_profile_cannot_change_the_email(client, member):
    client.force_login(member)
    client.post("/mon-espace/profil/", {
        "display_name": "A", "organisation": "B", "operator": "apec", "region": "corse", "email": "autre@exemple.fr",
    })
    member.refresh_from_db()
    assert member.email != "autre@exemple.fr"


def test_data_download_is_a_json_file_with_profile_emails_and_every_exporter(client, member, extension_points):
    client.force_login(member)
    assert client.get("/mon-espace/mes-donnees/").status_code == 405  # POST only (CSRF-protected form)
    response = client.post("/mon-espace/mes-donnees/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="comcep-mes-donnees-')
    data = json.loads(response.content)
    assert data["profile"]["email"] == member.email
    assert data["profile"]["display_name"] == member.display_name
    assert data["profile"]["operator"] == "mission-locale"
    assert data["email_addresses"] == [{"email": member.email, "verified": True, "primary": True}]
    assert data["test_bookmarks"] == [{"resource": "preparer-un-entretien-vae", "owner": member.email}]
    # Every registered exporter has its key (the other apps' ones too).
    assert set(gdpr.exporters()) <= set(data)


def test_data_download_requires_csrf(member):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(member)
    assert csrf_client.post("/mon-espace/mes-donnees/").status_code == 403


def test_account_deletion_needs_the_password(client, member):
    client.force_login(member)
    assert "Votre mot de passe actuel" in client.get("/mon-espace/supprimer-mon-compte/").content.decode()
    response = client.post("/mon-espace/supprimer-mon-compte/", {"password": "pas-le-bon"})
    assert response.status_code == 400
    assert "Mot de passe incorrect." in response.content.decode()
    member.refresh_from_db()
    assert member.deleted_at is None and member.is_active


def test_account_deletion_anonymises_scrubs_and_logs_out(client, member, extension_points):
    email = member.email
    Authenticator.objects.create(user=member, type=Authenticator.Type.TOTP, data={"secret": "x"})
    other_device = type(client)()
    other_device.force_login(member)
    client.force_login(member)

    response = client.post("/mon-espace/supprimer-mon-compte/", {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/mon-espace/compte-supprime/"
    assert "Votre compte a été supprimé" in client.get(response["Location"]).content.decode()

    assert extension_points == [(member.pk, email)]  # anonymiser ran, before the scrub
    user = User.objects.get(pk=member.pk)
    assert user.deleted_at is not None and not user.is_active
    assert user.email.endswith("@supprime.invalid") and user.email != email
    assert (user.display_name, user.organisation, user.operator, user.region) == ("", "", None, None)
    assert not user.has_usable_password()
    assert user.public_name == "Membre supprimé"
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    # Every session ended: this browser and the other device.
    assert "_auth_user_id" not in client.session
    assert other_device.get("/mon-espace/").status_code == 302
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)]
    # The person can no longer log in, and the address is free for a new account.
    login = client.post("/comptes/login/", {"login": email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session and login.status_code == 400
    assert signup(client, email).status_code == 302
    assert User.objects.filter(email=email, deleted_at__isnull=True).exists()


def test_account_deletion_is_post_only_with_csrf(member):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(member)
    assert csrf_client.post("/mon-espace/supprimer-mon-compte/", {"password": PASSWORD}).status_code == 403
    member.refresh_from_db()
    assert member.deleted_at is None


@pytest.mark.parametrize("url", ["/mon-espace/", "/mon-espace/profil/"])
def test_member_area_queries_do_not_grow(client, url, extension_points, django_assert_max_num_queries):
    small = UserFactory()
    large = UserFactory()
    UserFactory.create_batch(30)
    for i in range(8):
        EmailAddress.objects.create(user=large, email=f"alias{i}@exemple.fr", verified=bool(i % 2))
    for user in (small, large):
        client.force_login(user)
        # The budget covers every registered panel (one query each at most), the directory's, the
        # private messages' and the regional groups' included.
        with django_assert_max_num_queries(13):
            assert client.get(url).status_code == 200


def test_the_greeting_does_not_double_the_period_of_an_abbreviated_name(client):
    # Display names are abbreviated like "Awa D." (the sign-up form's own example): "Bonjour Awa D.." read oddly.
    member = UserFactory(display_name="Awa D.")
    client.force_login(member)
    html = client.get("/mon-espace/").content.decode()
    assert "Bonjour Awa D." in html and "Awa D.." not in html
