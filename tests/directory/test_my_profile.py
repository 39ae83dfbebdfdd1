"""The member's own choice: opt in or out, themes, presentation; the Mon espace panel; GDPR."""

import json

import pytest

from comcep.accounts.services import delete_account, export_personal_data
from comcep.directory.models import DirectoryProfile

from .conftest import listed_member

pytestmark = pytest.mark.django_db


def test_opt_in_is_off_by_default(client, member):
    assert DirectoryProfile(user=member).listed is False
    client.force_login(member)
    response = client.get("/annuaire/mon-profil/")
    assert response.status_code == 200
    assert response.context["form"]["listed"].value() is False
    assert member.display_name not in [card.name for card in client.get("/annuaire/").context["cards"]]


def test_member_opts_in_with_themes_and_presentation(client, member, theme_vae):
    client.force_login(member)
    response = client.post("/annuaire/mon-profil/", {
        "listed": "on", "themes": [theme_vae.pk], "presentation": "  Conseillère VAE à Lyon.  ",
    })
    assert response.status_code == 302
    profile = DirectoryProfile.objects.get(user=member)
    assert profile.listed
    assert list(profile.themes.all()) == [theme_vae]
    assert profile.presentation == "Conseillère VAE à Lyon."
    page = client.get(response["Location"])
    assert "vous figurez dans l&#x27;annuaire" in page.content.decode()
    assert member.display_name in [card.name for card in client.get("/annuaire/").context["cards"]]


def test_member_opts_out(client, theme_vae):
    user = listed_member(themes=[theme_vae], presentation="Bonjour")
    client.force_login(user)
    response = client.post("/annuaire/mon-profil/", {"themes": [theme_vae.pk], "presentation": "Bonjour"})
    assert response.status_code == 302
    assert DirectoryProfile.objects.get(user=user).listed is False
    other = listed_member()
    client.force_login(other)
    assert client.get(f"/annuaire/{user.pk}/").status_code == 404


def test_too_long_presentation_shows_a_french_error_next_to_the_field(client, member):
    client.force_login(member)
    response = client.post("/annuaire/mon-profil/", {"listed": "on", "presentation": "x" * 601})
    assert response.status_code == 400
    html = response.content.decode()
    assert "La présentation ne doit pas dépasser 600 caractères (actuellement 601)." in html
    assert 'aria-invalid="true"' in html
    assert not DirectoryProfile.objects.filter(user=member).exists()


def test_unknown_theme_is_a_form_error_not_a_500(client, member):
    client.force_login(member)
    response = client.post("/annuaire/mon-profil/", {"listed": "on", "themes": ["999999"]})
    assert response.status_code == 400
    assert "Ce thème n&#x27;existe pas." in response.content.decode() or response.context["form"].errors["themes"]
    assert not DirectoryProfile.objects.filter(user=member).exists()


def test_a_theme_id_beyond_any_database_integer_is_a_form_error_not_a_500(client, member):
    # Django's multiple choice field fetches the ids with an IN list, which does not bound them (OverflowError).
    client.force_login(member)
    response = client.post("/annuaire/mon-profil/", {"listed": "on", "themes": ["99999999999999999999999"],
                                                     "presentation": "Mon texte."})
    assert response.status_code == 400
    assert response.context["form"].errors["themes"]
    assert "Mon texte." in response.content.decode()  # what the member typed is kept
    assert not DirectoryProfile.objects.filter(user=member).exists()


def test_panel_in_mon_espace(client, member, pending_member):
    client.force_login(member)
    html = client.get("/mon-espace/").content.decode()
    assert "Annuaire des membres" in html
    assert "Vous ne figurez pas dans l'annuaire" in html
    assert 'href="/annuaire/mon-profil/"' in html
    DirectoryProfile.objects.create(user=member, listed=True)
    assert "Vous figurez dans l'annuaire" in client.get("/mon-espace/").content.decode()
    client.force_login(pending_member)
    html = client.get("/mon-espace/").content.decode()
    assert 'href="/annuaire/mon-profil/"' not in html


def test_gdpr_export_contains_the_profile(member, theme_vae):
    assert export_personal_data(member)["directory_profile"] is None
    profile = DirectoryProfile.objects.create(user=member, listed=True, presentation="Ma présentation")
    profile.themes.set([theme_vae])
    data = json.loads(json.dumps(export_personal_data(member)))
    assert data["directory_profile"]["listed"] is True
    assert data["directory_profile"]["themes"] == ["vae-test"]
    assert data["directory_profile"]["presentation"] == "Ma présentation"


def test_account_deletion_removes_the_profile(client, theme_vae):
    user = listed_member(themes=[theme_vae], presentation="À supprimer")
    delete_account(user)
    assert not DirectoryProfile.objects.filter(user_id=user.pk).exists()
