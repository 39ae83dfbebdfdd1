"""Who may see the directory and whose profile pages exist."""

import pytest

from comcep.accounts.enums import MembershipStatus
from comcep.directory.models import DirectoryProfile
from tests.factories import PendingUserFactory, UserFactory

from .conftest import listed_member

pytestmark = pytest.mark.django_db

URLS = ["/annuaire/", "/annuaire/mon-profil/"]


@pytest.mark.parametrize("url", URLS)
def test_visitor_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/?next=")


def test_visitor_cannot_open_a_listed_profile(client):
    listed = listed_member(display_name="Paule Visible")
    response = client.get(f"/annuaire/{listed.pk}/")
    assert response.status_code == 302
    assert "/comptes/login/" in response["Location"]


@pytest.mark.parametrize("url", URLS)
def test_pending_member_gets_a_french_403(client, pending_member, url):
    client.force_login(pending_member)
    response = client.get(url)
    assert response.status_code == 403
    html = response.content.decode()
    assert "en attente de validation" in html
    assert "Annuaire des membres" in html


def test_pending_member_sees_no_profile(client, pending_member):
    listed = listed_member(display_name="Paule Visible")
    client.force_login(pending_member)
    response = client.get(f"/annuaire/{listed.pk}/")
    assert response.status_code == 403
    assert "Paule Visible" not in response.content.decode()


def test_rejected_member_gets_403(client):
    rejected = UserFactory(status=MembershipStatus.REJECTED)
    client.force_login(rejected)
    assert client.get("/annuaire/").status_code == 403


def test_approved_member_sees_the_directory(client, member):
    listed_member(display_name="Paule Visible")
    client.force_login(member)
    response = client.get("/annuaire/")
    assert response.status_code == 200
    assert "Paule Visible" in response.content.decode()


def test_unlisted_member_profile_is_404(client, member):
    hidden = UserFactory(display_name="Henri Discret")
    DirectoryProfile.objects.create(user=hidden, listed=False, presentation="Secret")
    client.force_login(member)
    response = client.get(f"/annuaire/{hidden.pk}/")
    assert response.status_code == 404
    assert "Henri Discret" not in response.content.decode()


def test_member_without_profile_is_404(client, member):
    other = UserFactory(display_name="Sans Fiche")
    client.force_login(member)
    assert client.get(f"/annuaire/{other.pk}/").status_code == 404
    assert client.get("/annuaire/999999/").status_code == 404


@pytest.mark.parametrize("change", [
    {"status": MembershipStatus.PENDING},
    {"status": MembershipStatus.REJECTED},
    {"is_active": False},
])
def test_listed_but_not_approved_or_inactive_member_is_hidden(client, member, change):
    listed = listed_member(display_name="Compte Suspendu")
    # Through save(), as every code path of the application writes accounts (the profile's ``shown`` follows
    # the account's save: signals.py; Wagtail's bulk "set active state": test_listing_rule.py).
    for name, value in change.items():
        setattr(listed, name, value)
    listed.save(update_fields=list(change))
    client.force_login(member)
    assert "Compte Suspendu" not in client.get("/annuaire/").content.decode()
    assert client.get(f"/annuaire/{listed.pk}/").status_code == 404


def test_pending_listed_profile_never_shown(client, member):
    pending = PendingUserFactory(display_name="Encore En Attente")
    DirectoryProfile.objects.create(user=pending, listed=True)
    client.force_login(member)
    assert "Encore En Attente" not in client.get("/annuaire/").content.decode()
    assert client.get(f"/annuaire/{pending.pk}/").status_code == 404


def test_member_previews_own_profile_even_unlisted(client, member):
    DirectoryProfile.objects.create(user=member, listed=False, presentation="Je suis conseillère VAE.")
    client.force_login(member)
    response = client.get(f"/annuaire/{member.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Aperçu" in html
    assert "Je suis conseillère VAE." in html


def test_member_previews_own_profile_without_any_profile(client, member):
    client.force_login(member)
    response = client.get(f"/annuaire/{member.pk}/")
    assert response.status_code == 200
    assert not DirectoryProfile.objects.filter(user=member).exists()  # a GET creates nothing


def test_my_profile_post_requires_csrf(member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/annuaire/mon-profil/", {"listed": "on"})
    assert response.status_code == 403
    assert not DirectoryProfile.objects.filter(user=member, listed=True).exists()


def test_nav_link_only_for_approved_members(client, member, pending_member):
    assert 'href="/annuaire/"' not in client.get("/ressources/").content.decode()
    client.force_login(pending_member)
    assert 'href="/annuaire/"' not in client.get("/ressources/").content.decode()
    client.force_login(member)
    assert 'href="/annuaire/"' in client.get("/ressources/").content.decode()
