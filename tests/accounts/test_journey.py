"""Sign-up → e-mail verification → automatic approval or moderation queue → decision → login."""

import pytest
from django.conf import settings
from django.core import mail

from comcep.accounts.enums import MembershipStatus
from comcep.accounts.models import User
from tests.factories import ApprovedDomainFactory, PendingUserFactory

from .helpers import SIGNUP_PASSWORD, confirm, mails_to, signup

pytestmark = pytest.mark.django_db


def test_signup_sends_a_verification_email_and_keeps_the_account_pending(client):
    response = signup(client, "awa.diallo@mission-locale-lyon.fr")
    assert response.status_code == 302
    assert response["Location"] == "/comptes/confirm-email/"
    user = User.objects.get(email="awa.diallo@mission-locale-lyon.fr")
    assert user.display_name == "Awa Diallo"
    assert user.operator.slug == "mission-locale" and user.region.slug == "auvergne-rhone-alpes"
    assert user.status == MembershipStatus.PENDING and not user.is_approved
    [message] = mails_to("awa.diallo@mission-locale-lyon.fr")
    assert message.subject == "[Comcep] Confirmez votre adresse e-mail"
    assert message.body.startswith("Bonjour,") and "L'équipe d'animation de Comcep" in message.body
    assert "/comptes/confirm-email/" in message.body
    page = client.get(response["Location"])
    assert "Vérifiez votre adresse e-mail" in page.content.decode()


# E-mails leave after the transaction commits (transaction.on_commit); tests run inside one
# transaction, so the actions that commit are wrapped in django_capture_on_commit_callbacks.


def test_allow_listed_domain_is_approved_as_soon_as_the_email_is_confirmed(client, moderator, committed):
    ApprovedDomainFactory(domain="francetravail.fr")
    signup(client, "Lucie.Martin@FranceTravail.fr")
    with committed():
        response = confirm(client, "lucie.martin@francetravail.fr", clear_outbox=True)
    user = User.objects.get(email__iexact="lucie.martin@francetravail.fr")
    assert user.status == MembershipStatus.APPROVED and user.is_approved
    assert user.status_changed_by is None  # automatic
    # Logged in on confirmation, straight to the member area.
    assert response.status_code == 302 and response["Location"] == "/mon-espace/"
    assert client.get("/mon-espace/").status_code == 200
    # The member is told; moderators are not bothered.
    [message] = mail.outbox
    assert message.to == [user.email]
    assert "adhésion est validée" in message.subject


def test_other_domain_waits_in_the_queue_and_every_moderator_is_emailed(client, moderator, admin_user, committed):
    signup(client, "paul@cabinet-orientation.fr", display_name="Paul Bilan")
    with committed():
        response = confirm(client, "paul@cabinet-orientation.fr", clear_outbox=True)
    user = User.objects.get(email="paul@cabinet-orientation.fr")
    assert user.status == MembershipStatus.PENDING
    assert response["Location"] == "/mon-espace/en-attente/"
    page = client.get("/mon-espace/en-attente/").content.decode()
    assert "en attente de validation" in page
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([moderator.email, admin_user.email])
    message = mails_to(moderator.email)[0]
    assert "Paul Bilan" in message.subject
    assert f"{settings.SITE_URL.rstrip('/')}/admin/membres/adhesions/" in message.body
    assert "paul@cabinet-orientation.fr" in message.body


def test_moderator_approves_in_the_admin_then_the_member_is_emailed_and_logs_in(client, moderator, committed):
    signup(client, "ines@cabinet-orientation.fr", display_name="Inès R.")
    confirm(client, "ines@cabinet-orientation.fr")
    client.logout()
    mail.outbox.clear()
    member = User.objects.get(email="ines@cabinet-orientation.fr")

    client.force_login(moderator)
    queue = client.get("/admin/membres/adhesions/")
    assert queue.status_code == 200
    assert "Inès R." in queue.content.decode()
    with committed():
        response = client.post(f"/admin/membres/adhesions/{member.pk}/valider/")
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MembershipStatus.APPROVED and member.status_changed_by == moderator
    after = client.get("/admin/membres/adhesions/")
    assert "Adhésion de Inès R. validée" in after.content.decode()  # the success message
    assert member not in after.context["members"]
    [message] = mail.outbox
    assert message.to == [member.email] and "validée" in message.subject
    client.logout()

    response = client.post("/comptes/login/", {"login": member.email, "password": SIGNUP_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/mon-espace/"
    assert "Bonjour Inès R." in client.get("/mon-espace/").content.decode()


def test_moderator_rejects_with_a_reason_that_the_member_receives(client, moderator, committed):
    signup(client, "hugo@exemple-non-cep.fr", display_name="Hugo")
    confirm(client, "hugo@exemple-non-cep.fr")
    client.logout()
    mail.outbox.clear()
    member = User.objects.get(email="hugo@exemple-non-cep.fr")

    client.force_login(moderator)
    form = client.get(f"/admin/membres/adhesions/{member.pk}/refuser/")
    assert form.status_code == 200 and "Motif du refus" in form.content.decode()
    empty = client.post(f"/admin/membres/adhesions/{member.pk}/refuser/", {"reason": "  "})
    assert empty.status_code == 400
    member.refresh_from_db()
    assert member.status == MembershipStatus.PENDING
    with committed():
        client.post(f"/admin/membres/adhesions/{member.pk}/refuser/",
                    {"reason": "Votre structure ne relève pas du conseil en évolution professionnelle."})
    member.refresh_from_db()
    assert member.status == MembershipStatus.REJECTED and not member.is_approved
    [message] = mail.outbox
    assert message.to == [member.email]
    assert "ne relève pas du conseil en évolution professionnelle" in message.body
    client.logout()

    # The rejected member can still log in (to delete the account) but lands on the status page.
    response = client.post("/comptes/login/", {"login": member.email, "password": SIGNUP_PASSWORD})
    assert response["Location"] == "/mon-espace/en-attente/"
    page = client.get("/mon-espace/en-attente/").content.decode()
    assert "n'a pas été acceptée" in page and "ne relève pas du conseil" in page


def test_unverified_accounts_are_not_in_the_queue(client, moderator):
    signup(client, "pas-encore@exemple.fr", display_name="Pas Encore Vérifié")
    client.logout()
    client.force_login(moderator)
    assert "Pas Encore Vérifié" not in client.get("/admin/membres/adhesions/").content.decode()


def test_pending_member_logging_in_lands_on_the_pending_page(client, pending_member):
    response = client.post("/comptes/login/", {"login": pending_member.email, "password": "motdepasse-de-test-42"})
    assert response.status_code == 302 and response["Location"] == "/mon-espace/en-attente/"
    page = client.get(response["Location"])
    assert "en attente de validation" in page.content.decode()
    assert page.context["user"].is_approved is False


def test_approved_member_visiting_the_pending_page_goes_to_the_dashboard(client, member):
    client.force_login(member)
    assert client.get("/mon-espace/en-attente/")["Location"] == "/mon-espace/"


def test_inactive_account_cannot_log_in(client, member):
    member.is_active = False
    member.save()
    response = client.post("/comptes/login/", {"login": member.email, "password": "motdepasse-de-test-42"})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"] == "/comptes/inactive/"


def test_signup_form_is_french_and_reports_unknown_operator(client):
    page = client.get("/comptes/signup/").content.decode()
    for label in ("Nom affiché", "Structure", "Opérateur", "Région"):
        assert label in page
    response = signup(client, "x@exemple.fr", operator="pole-emploi")
    assert response.status_code == 400  # a form with errors
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not User.objects.filter(email="x@exemple.fr").exists()


def test_a_refused_or_withdrawn_membership_can_be_approved_again_from_the_member_list(client, moderator, committed):
    # The refusal e-mail invites the person to answer if it was a mistake, and a moderator may withdraw a
    # membership by mistake: the admin must offer a way back (the queue only lists pending members).
    member = PendingUserFactory(email="lea@exemple-non-cep.fr", display_name="Léa V.")
    client.force_login(moderator)
    with committed():
        client.post(f"/admin/membres/adhesions/{member.pk}/refuser/", {"reason": "Structure inconnue."})
    member.refresh_from_db()
    assert member.status == MembershipStatus.REJECTED
    mail.outbox.clear()

    listing = client.get("/admin/membres/liste/").content.decode()
    assert f'href="/admin/membres/adhesions/{member.pk}/valider/"' in listing
    confirm_page = client.get(f"/admin/membres/adhesions/{member.pk}/valider/")
    assert confirm_page.status_code == 200
    html = confirm_page.content.decode()
    assert "Léa V." in html and "Structure inconnue." in html  # the earlier decision, before deciding again
    assert f'action="/admin/membres/adhesions/{member.pk}/valider/"' in html and 'method="post"' in html
    with committed():
        response = client.post(f"/admin/membres/adhesions/{member.pk}/valider/")
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MembershipStatus.APPROVED and member.status_changed_by == moderator
    assert member.rejection_reason == ""
    [message] = mail.outbox
    assert message.to == [member.email] and "validée" in message.subject


def test_approving_is_refused_to_members_and_pointless_for_approved_or_deleted_accounts(client, member, moderator):
    pending = PendingUserFactory()
    client.force_login(member)
    assert client.post(f"/admin/membres/adhesions/{pending.pk}/valider/").status_code in (302, 403)
    pending.refresh_from_db()
    assert pending.status == MembershipStatus.PENDING
    client.force_login(moderator)
    assert client.get(f"/admin/membres/adhesions/{member.pk}/valider/").status_code == 404  # already approved
    listing = client.get("/admin/membres/liste/").content.decode()
    assert f'href="/admin/membres/adhesions/{member.pk}/valider/"' not in listing
