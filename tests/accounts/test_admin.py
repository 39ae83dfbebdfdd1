"""The Wagtail admin: reached only through allauth (verification, rate limits, MFA), and
usable by moderators who are not superusers, without the power to grant privileges."""

import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth.models import Group

from comcep.accounts.enums import MODERATORS_GROUP, MembershipStatus
from comcep.accounts.models import ApprovedDomain, User
from comcep.taxonomy.models import Operator, Region, Theme
from tests.factories import PendingUserFactory, UserFactory
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.django_db


def totp_code(secret):
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


# --- Login path -------------------------------------------------------------------------------


def landing(client, url):
    """Where a GET ends after redirects (the admin's login gate sends visitors on to allauth)."""
    return client.get(url, follow=True).redirect_chain[-1][0]


def test_moderator_logs_in_to_the_admin_through_allauth(client, moderator):
    login_url = landing(client, "/admin/")
    assert login_url.startswith("/comptes/login/") and "next=/admin/" in login_url
    response = client.post(login_url, {"login": moderator.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_moderator_with_totp_must_pass_the_second_factor_before_the_admin(client, moderator):
    secret = generate_totp_secret()
    TOTP.activate(moderator, secret)
    response = client.post("/comptes/login/?next=/admin/", {"login": moderator.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/comptes/2fa/authenticate/"
    # Password alone opens nothing.
    assert "_auth_user_id" not in client.session
    # The admin stays closed: it sends the person back to finish the second step.
    assert landing(client, "/admin/") == "/comptes/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    page = client.get("/comptes/2fa/authenticate/")
    assert page.status_code == 200 and "Authentification à deux facteurs" in page.content.decode()
    wrong = client.post("/comptes/2fa/authenticate/", {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 400 and "_auth_user_id" not in client.session  # a form with errors
    response = client.post("/comptes/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_member_without_admin_access_is_refused(client, member):
    client.force_login(member)
    for url in ("/admin/", "/admin/membres/adhesions/"):
        response = client.get(url, follow=True)
        assert response.status_code == 403 and "Administration réservée" in response.content.decode()


def test_admin_logout_ends_the_session_and_returns_to_the_allauth_login(client, moderator):
    client.force_login(moderator)
    response = client.post("/admin/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/comptes/login/?next=/admin/"
    assert "_auth_user_id" not in client.session


def test_admin_account_page_offers_no_password_or_email_change_of_its_own(client, moderator):
    client.force_login(moderator)
    html = client.get("/admin/account/").content.decode()
    assert 'name="password_new"' not in html and 'name="new_password1"' not in html
    assert 'name="email-email"' not in html
    assert "/comptes/2fa/" in html  # our account menu link to allauth's two-factor page
    assert client.get("/admin/password_reset/").status_code == 404


def test_failed_logins_lock_the_account_key_then_the_ip_gets_429(client, member):
    # allauth's "login_failed" limit (5 per 5 minutes per address): a French form error...
    for i in range(5):
        assert client.post("/comptes/login/", {"login": member.email, "password": f"faux-{i}"}).status_code == 400
    locked = client.post("/comptes/login/", {"login": member.email, "password": PASSWORD})
    assert locked.status_code == 400
    assert "Trop de tentatives de connexion" in locked.content.decode()
    assert "_auth_user_id" not in client.session  # even the right password is refused meanwhile
    # ...and the "login" limit (30 per minute per IP): 429 with a French page.
    statuses = [
        client.post("/comptes/login/", {"login": f"x{i}@exemple.fr", "password": "faux"}).status_code
        for i in range(30)
    ]
    assert statuses[-1] == 429
    limited = client.post("/comptes/login/", {"login": "y@exemple.fr", "password": "z"})
    assert limited.status_code == 429 and "Trop de tentatives" in limited.content.decode()


# --- Moderators' screens ---------------------------------------------------------------------


def test_moderator_sees_the_members_menu_and_taxonomy(client, moderator):
    client.force_login(moderator)
    html = client.get("/admin/").content.decode()  # the sidebar menu is JSON data in the page
    for label in ('"Membres"', r'"Adh\u00e9sions \u00e0 valider"', '"Taxonomie"', r'"Th\u00e8mes"'):
        assert label in html
    for url in ("/admin/membres/adhesions/", "/admin/membres/liste/", "/admin/membres/domaines/",
                "/admin/snippets/taxonomy/theme/", "/admin/snippets/taxonomy/region/"):
        assert f'"url": "{url}"' in html


def test_member_list_filters_by_status_operator_and_region(client, moderator):
    PendingUserFactory(display_name="Zoé Attente", operator=Operator.objects.get(slug="apec"))
    UserFactory(display_name="Yves Breton", region=Region.objects.get(slug="bretagne"))
    client.force_login(moderator)
    response = client.get("/admin/membres/liste/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zoé Attente" in html and "Yves Breton" in html
    by_status = client.get("/admin/membres/liste/", {"status": "pending"}).content.decode()
    assert "Zoé Attente" in by_status and "Yves Breton" not in by_status
    operator = Operator.objects.get(slug="apec").pk
    assert "Yves Breton" not in client.get("/admin/membres/liste/", {"operator": operator}).content.decode()
    region = Region.objects.get(slug="bretagne").pk
    by_region = client.get("/admin/membres/liste/", {"region": region}).content.decode()
    assert "Yves Breton" in by_region and "Zoé Attente" not in by_region


def test_member_list_search_and_query_count(client, moderator, django_assert_max_num_queries):
    UserFactory(display_name="Zacharie Unique")
    client.force_login(moderator)
    html = client.get("/admin/membres/liste/", {"q": "Zacharie"}).content.decode()
    assert "Zacharie Unique" in html
    client.get("/admin/membres/liste/")  # warm caches
    with django_assert_max_num_queries(25):
        assert client.get("/admin/membres/liste/").status_code == 200
    UserFactory.create_batch(40)
    with django_assert_max_num_queries(25):
        assert client.get("/admin/membres/liste/").status_code == 200


def test_member_list_offers_to_withdraw_a_membership(client, moderator, member):
    client.force_login(moderator)
    html = client.get("/admin/membres/liste/").content.decode()
    assert f'href="/admin/membres/adhesions/{member.pk}/refuser/"' in html
    assert "Retirer l&#x27;adhésion" in html or "Retirer l'adhésion" in html


def test_moderator_edits_a_member_profile_and_can_suspend(client, moderator, member):
    client.force_login(moderator)
    url = f"/admin/membres/liste/edit/{member.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "display_name": "Nouveau nom", "organisation": "Cap emploi 35",
        "operator": Operator.objects.get(slug="cap-emploi").pk, "region": Region.objects.get(slug="bretagne").pk,
    })
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "Nouveau nom" and member.is_active is False  # unchecked box = suspended


def test_moderator_cannot_edit_administrators_or_delete_members(client, moderator, admin_user, member):
    client.force_login(moderator)
    assert client.get(f"/admin/membres/liste/edit/{admin_user.pk}/").status_code in (302, 403)
    assert client.post(f"/admin/membres/liste/delete/{member.pk}/").status_code in (302, 403)
    assert User.objects.filter(pk=member.pk).exists()


def test_moderator_cannot_withdraw_an_administrators_membership_by_its_url(client, moderator, admin_user):
    # The member list hides "Retirer l'adhésion" for administrators; the URL must refuse it too.
    assert admin_user.is_approved
    client.force_login(moderator)
    assert client.get(f"/admin/membres/adhesions/{admin_user.pk}/refuser/").status_code in (302, 403)
    response = client.post(f"/admin/membres/adhesions/{admin_user.pk}/refuser/", {"reason": "Au revoir."})
    assert response.status_code in (302, 403)
    admin_user.refresh_from_db()
    assert admin_user.status == MembershipStatus.APPROVED and admin_user.rejection_reason == ""


def test_moderator_cannot_use_wagtail_user_management_to_grant_privileges(client, moderator, member):
    client.force_login(moderator)
    assert client.get("/admin/users/").status_code in (302, 403)
    client.post(f"/admin/users/edit/{member.pk}/", {
        "email": member.email, "is_active": "on", "is_superuser": "on",
        "groups": [Group.objects.get(name=MODERATORS_GROUP).pk],
    })
    member.refresh_from_db()
    assert not member.is_superuser and not member.is_moderator


def test_moderator_edits_the_approved_domains(client, moderator):
    client.force_login(moderator)
    assert client.get("/admin/membres/domaines/").status_code == 200
    response = client.post("/admin/membres/domaines/new/", {"domain": "@CapEmploi35.fr ", "note": "Cap emploi 35"})
    assert response.status_code == 302
    domain = ApprovedDomain.objects.get()
    assert domain.domain == "capemploi35.fr"
    assert ApprovedDomain.allows("conseiller@capemploi35.fr")
    assert client.post(f"/admin/membres/domaines/delete/{domain.pk}/").status_code == 302
    assert not ApprovedDomain.objects.exists()


def test_moderator_manages_themes_with_a_parent(client, moderator):
    client.force_login(moderator)
    assert client.get("/admin/snippets/taxonomy/theme/").status_code == 200
    parent = Theme.objects.create(slug="parcours-certifiants", name="Parcours certifiants")
    response = client.post("/admin/snippets/taxonomy/theme/add/", {
        "name": "Validation des acquis de l'expérience", "slug": "vae", "parent": parent.pk,
        "description": "", "sort_order": 1,
    })
    assert response.status_code == 302
    assert Theme.objects.get(slug="vae").parent == parent


@pytest.mark.parametrize("model", ["audience", "servicelevel", "operator", "region"])
def test_moderator_reaches_every_vocabulary(client, moderator, model):
    client.force_login(moderator)
    assert client.get(f"/admin/snippets/taxonomy/{model}/").status_code == 200


def test_moderator_queue_query_count_is_constant(client, moderator, django_assert_max_num_queries):
    from allauth.account.models import EmailAddress

    client.force_login(moderator)
    client.get("/admin/membres/adhesions/")  # warm caches (menu, permissions)

    def add_pending(n):
        for user in PendingUserFactory.create_batch(n):
            EmailAddress.objects.filter(user=user).update(verified=True)

    add_pending(2)
    with django_assert_max_num_queries(20):
        assert client.get("/admin/membres/adhesions/").status_code == 200
    add_pending(25)
    with django_assert_max_num_queries(20):
        response = client.get("/admin/membres/adhesions/")
    assert len(response.context["members"]) == 27
    assert all(m.status == MembershipStatus.PENDING for m in response.context["members"])


# --- Approval and refusal screens: permission before lookup -----------------------------------


@pytest.fixture
def animator(db):
    """An admin user without the right to moderate members (the "Animateurs" write resources)."""
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Animateurs"))
    return user


@pytest.mark.parametrize("action", ["valider", "refuser"])
def test_admin_user_without_moderation_rights_cannot_tell_which_member_ids_exist(client, animator, action):
    pending = PendingUserFactory()
    unknown = pending.pk + 1000
    client.force_login(animator)
    for pk in (pending.pk, unknown):  # the same refusal (Wagtail's: back to the dashboard), never a 404
        url = f"/admin/membres/adhesions/{pk}/{action}/"
        for response in (client.get(url), client.post(url, {"reason": "Structure inconnue."})):
            assert (response.status_code, response.get("Location")) == (302, "/admin/"), url
    pending.refresh_from_db()
    assert pending.status == MembershipStatus.PENDING and pending.rejection_reason == ""


@pytest.mark.parametrize("action", ["valider", "refuser"])
def test_moderator_gets_404_for_an_unknown_member_and_the_screen_for_a_pending_one(client, moderator, action):
    pending = PendingUserFactory(display_name="Léa P.")
    client.force_login(moderator)
    assert client.get(f"/admin/membres/adhesions/{pending.pk + 1000}/{action}/").status_code == 404
    response = client.get(f"/admin/membres/adhesions/{pending.pk}/{action}/")
    assert response.status_code == 200
    assert response.context["member"] == pending
    html = response.content.decode()
    assert "Léa P." in html
    assert 'href="/admin/membres/' in html  # the breadcrumbs lead back to the members' screens


@pytest.mark.parametrize("with_posts", [True, False])
def test_administrators_cannot_delete_accounts_through_wagtails_user_management(client, admin_user, with_posts):
    """Deleting a row would skip the anonymisers (a member's name left in others' notifications, in the
    moderation log…) and, for a member who wrote anything, fail on the protected authorship (HTTP 500).
    The admin refuses it, one account or several, and points to Mon espace and to « Effacer ce compte (RGPD) »
    (tests/accounts/test_admin_erasure.py)."""
    from tests.factories.forums import make_thread

    member = UserFactory(display_name="Awa Diallo")
    if with_posts:
        make_thread(author=member)
    client.force_login(admin_user)
    response = client.post(f"/admin/users/delete/{member.pk}/", follow=True)
    assert response.status_code == 200
    assert "Mon espace" in response.content.decode()  # says where deletion happens
    assert "Effacer ce compte (RGPD)" in response.content.decode()
    response = client.post(f"/admin/bulk/accounts/user/delete/?next=/admin/users/&id={member.pk}", follow=True)
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.deleted_at is None and member.is_active
