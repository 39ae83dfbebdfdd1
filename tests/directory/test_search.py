"""Listed members in the unified search: approved members find them by name, organisation,
region, theme or presentation; visitors and pending accounts never; unlisting, suspension,
renaming and deletion follow."""

import pytest

from comcep.accounts.services import delete_account
from comcep.directory import services
from comcep.directory.models import DirectoryProfile
from tests.factories import UserFactory

from .conftest import region

pytestmark = pytest.mark.django_db
API = "/recherche/api/"


def titles(client, user, q, **params):
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(API, {"q": q, **params})
    assert response.status_code == 200
    return [r["title"] for r in response.json()["results"]]


@pytest.fixture
def listed(theme_vae, django_capture_on_commit_callbacks):
    user = UserFactory(display_name="Rachida Benali", organisation="Mission locale de Roubaix",
                       region=region("hauts-de-france"))
    with django_capture_on_commit_callbacks(execute=True):
        services.save_profile(user=user, listed=True, themes=[theme_vae],
                              presentation="J'accompagne les parcours de validation des acquis.")
    return user


def test_members_find_a_listed_member_by_name_organisation_and_presentation(client, member, listed, theme_vae):
    for q in ("Rachida", "roubaix", "mission locale", "parcours validation"):
        assert titles(client, member, q) == ["Rachida Benali"], q
    result = client.get(API, {"q": "Benali"}).json()["results"][0]
    assert result["url"] == f"/annuaire/{listed.pk}/" and result["kind"] == "member"
    assert client.get(result["url"]).status_code == 200
    assert titles(client, member, "Rachida", region="hauts-de-france", theme=theme_vae.slug) == ["Rachida Benali"]
    assert titles(client, member, "Rachida", region="bretagne") == []


def test_visitors_and_pending_accounts_never_find_members(client, listed, pending_member):
    for user in (None, pending_member):
        assert titles(client, user, "Rachida Benali") == []


def test_unlisted_members_are_not_found_and_the_entry_follows_the_account(
        client, member, listed, theme_vae, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.save_profile(user=listed, listed=False, themes=[], presentation="")
    assert titles(client, member, "Rachida") == []
    with django_capture_on_commit_callbacks(execute=True):
        services.save_profile(user=listed, listed=True, themes=[theme_vae], presentation="")
    assert titles(client, member, "Rachida") == ["Rachida Benali"]
    with django_capture_on_commit_callbacks(execute=True):  # renamed through any save of the account
        listed.display_name = "Rachida B."
        listed.save(update_fields=["display_name"])
    assert titles(client, member, "Rachida") == ["Rachida B."]
    with django_capture_on_commit_callbacks(execute=True):  # suspended: out of the directory, out of search
        listed.is_active = False
        listed.save(update_fields=["is_active"])
    assert titles(client, member, "Rachida") == []
    with django_capture_on_commit_callbacks(execute=True):
        listed.is_active = True
        listed.save(update_fields=["is_active"])
    assert titles(client, member, "Rachida") == ["Rachida B."]
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(listed)
    assert titles(client, member, "Rachida") == []
    assert not DirectoryProfile.objects.filter(user=listed).exists()


def test_a_login_does_not_rewrite_the_entry(listed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        listed.save(update_fields=["last_login"])
    assert callbacks == []
