"""Right to erasure (RGPD art. 17) in the admin: an administrator erases the account of a person who asks the
team (or can no longer log in), by the very path of the member's own deletion in Mon espace."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import ModelLogEntry

from comcep.accounts import services
from comcep.accounts.models import User
from forums.models import Post, Thread
from tests.accounts.helpers import signup
from tests.factories import UserFactory
from tests.factories.accounts import PASSWORD
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db


def erase_url(user) -> str:
    return f"/admin/membres/liste/effacer/{user.pk}/"


@pytest.fixture
def poster(db, forum_posting_settings):
    """A member who wrote a thread and a reply to it, and can log in."""
    member = UserFactory(display_name="Awa Diallo", organisation="Mission locale de Lyon")
    make_thread(author=member, title="Financer une VAE", replies=1, repliers=[member])
    return member


def test_the_administrator_sees_a_confirmation_then_erases_like_the_members_own_deletion(client, admin_user, poster):
    email = poster.email
    other_device = type(client)()
    other_device.force_login(poster)
    client.force_login(admin_user)

    page = client.get(erase_url(poster))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Awa Diallo" in html and email in html  # the administrator checks whom they erase
    assert "Ce qui est effacé" in html and "Ce qui reste, anonymisé" in html
    assert f'action="{erase_url(poster)}"' in html and 'method="post"' in html and "csrfmiddlewaretoken" in html
    poster.refresh_from_db()
    assert poster.deleted_at is None and poster.is_active  # a GET erases nothing

    response = client.post(erase_url(poster))
    assert response.status_code == 302 and response["Location"] == "/admin/membres/liste/"
    listing = client.get(response["Location"]).content.decode()
    assert "Le compte de Awa Diallo est effacé" in listing

    user = User.objects.get(pk=poster.pk)
    assert user.deleted_at is not None and not user.is_active and not user.has_usable_password()
    assert user.public_name == "Membre supprimé" and (user.display_name, user.organisation) == ("", "")
    # Their posts stay, signed "Membre supprimé", as after a deletion from Mon espace.
    assert Post.objects.filter(author=user).count() == 2
    assert Thread.objects.get(author=user).title == "Financer une VAE"
    thread_page = client.get(Thread.objects.get(author=user).get_absolute_url()).content.decode()
    assert "Membre supprimé" in thread_page and "Awa Diallo" not in thread_page
    # Logged out everywhere; can no longer log in; the address is free for a new account.
    assert other_device.get("/mon-espace/").status_code == 302
    visitor = type(client)()
    visitor.post("/comptes/login/", {"login": email, "password": PASSWORD})
    assert "_auth_user_id" not in visitor.session
    assert signup(visitor, email).status_code == 302
    assert User.objects.filter(email=email, deleted_at__isnull=True).exists()
    # The admin's audit log records the erasure and who did it, never the person's name or address.
    entry = ModelLogEntry.objects.get(action=services.ERASE_LOG_ACTION)
    assert (entry.user_id, entry.object_id, entry.label) == (admin_user.pk, str(user.pk), "Membre supprimé")
    assert "Awa" not in str(entry.data) and email not in str(entry.data)


def test_the_erasure_needs_the_csrf_token(admin_user, poster):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    assert browser.post(erase_url(poster)).status_code == 403
    poster.refresh_from_db()
    assert poster.deleted_at is None and poster.is_active


@pytest.fixture
def animator(db):
    """An admin user who is not an administrator (the "Animateurs" write resources)."""
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Animateurs"))
    return user


@pytest.mark.parametrize("actor", ["moderator", "animator"])
def test_only_administrators_erase_and_the_refusal_comes_before_the_lookup(client, request, actor, poster):
    """Moderators (who may approve, withdraw and suspend) do not erase: an erasure cannot be undone. They get
    the admin's refusal (back to the dashboard with a message) for any id, never a 404 telling which exist."""
    client.force_login(request.getfixturevalue(actor))
    for pk in (poster.pk, poster.pk + 1000):
        url = f"/admin/membres/liste/effacer/{pk}/"
        for response in (client.get(url), client.post(url)):
            assert (response.status_code, response.get("Location")) == (302, "/admin/"), url
    poster.refresh_from_db()
    assert poster.deleted_at is None and poster.is_active
    with pytest.raises(services.PermissionDenied):
        services.delete_account(poster, by=request.getfixturevalue(actor))


def test_a_member_without_admin_access_is_refused(client, member, poster):
    client.force_login(member)
    response = client.post(erase_url(poster), follow=True)
    assert response.status_code == 403
    poster.refresh_from_db()
    assert poster.deleted_at is None


def test_an_administrator_does_not_erase_their_own_account_here(client, admin_user):
    client.force_login(admin_user)
    response = client.post(erase_url(admin_user), follow=True)
    assert "Mon espace" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.deleted_at is None and admin_user.is_superuser


def test_an_unknown_or_already_erased_account_is_a_404_for_an_administrator(client, admin_user, poster):
    client.force_login(admin_user)
    assert client.get(f"/admin/membres/liste/effacer/{poster.pk + 1000}/").status_code == 404
    services.delete_account(poster)
    assert client.get(erase_url(poster)).status_code == 404


def test_the_action_is_offered_to_administrators_in_both_user_lists_and_on_the_members_page(
        client, admin_user, moderator, poster):
    client.force_login(admin_user)
    for url in ("/admin/membres/liste/", "/admin/users/", f"/admin/membres/liste/edit/{poster.pk}/"):
        html = client.get(url).content.decode()
        assert f'href="{erase_url(poster)}"' in html, url
        assert "Effacer ce compte (RGPD)" in html
        assert f'href="{erase_url(admin_user)}"' not in html  # never one's own
    client.force_login(moderator)
    assert "Effacer ce compte (RGPD)" not in client.get("/admin/membres/liste/").content.decode()


def test_wagtails_delete_sends_the_administrator_to_the_erasure_confirmation(client, admin_user, poster):
    client.force_login(admin_user)
    response = client.post(f"/admin/users/delete/{poster.pk}/")
    assert response.status_code == 302 and response["Location"] == erase_url(poster)
    html = client.get(response["Location"]).content.decode()
    assert "Effacer ce compte (RGPD)" in html  # the refusal names the action
    poster.refresh_from_db()
    assert poster.deleted_at is None and poster.is_active  # nothing erased before the confirmation's POST


def test_the_admin_history_of_an_erased_account_no_longer_names_the_person(client, moderator, admin_user, poster):
    """Wagtail's audit log labels each entry with the account's name at the time (a moderator's edit in the
    member list: « Awa Diallo »); once the account is erased, by the person or by an administrator, the entries
    stay (who did what, when) but say « Membre supprimé »."""
    from comcep.taxonomy.models import Operator, Region

    client.force_login(moderator)
    response = client.post(f"/admin/membres/liste/edit/{poster.pk}/", {
        "display_name": "Awa Diallo", "organisation": "Cap emploi 35", "is_active": "on",
        "operator": Operator.objects.get(slug="cap-emploi").pk, "region": Region.objects.get(slug="bretagne").pk,
    })
    assert response.status_code == 302
    assert ModelLogEntry.objects.filter(object_id=str(poster.pk), label__contains="Awa").exists()
    client.force_login(admin_user)
    client.post(erase_url(poster), follow=True)  # (the page shows, and so uses up, the messages of both actions)
    labels = set(ModelLogEntry.objects.filter(object_id=str(poster.pk)).values_list("label", flat=True))
    assert labels == {"Membre supprimé"}
    history = client.get(f"/admin/users/history/{poster.pk}/").content.decode()
    assert "Awa" not in history and "Compte effacé (RGPD)" in history
