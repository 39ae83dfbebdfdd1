"""The pending page tells a member whose approved membership was taken back « Votre adhésion a été retirée »,
and a member whose request was refused that it was not accepted (both have the status "rejected")."""

from html import unescape

import pytest

from comcep.accounts import services

pytestmark = pytest.mark.django_db


def test_a_withdrawn_member_is_told_their_membership_was_withdrawn(client, moderator, member):
    services.reject(member, by=moderator, reason="Vous avez quitté le réseau CEP.")
    member.refresh_from_db()
    assert member.membership_withdrawn
    client.force_login(member)
    html = unescape(client.get("/mon-espace/en-attente/").content.decode())
    assert "Votre adhésion a été retirée" in html and "Vous avez quitté le réseau CEP." in html
    assert "n'a pas été acceptée" not in html


def test_a_refused_request_is_told_it_was_not_accepted(client, moderator, pending_member):
    services.reject(pending_member, by=moderator, reason="Structure hors du CEP.")
    pending_member.refresh_from_db()
    assert not pending_member.membership_withdrawn
    client.force_login(pending_member)
    html = unescape(client.get("/mon-espace/en-attente/").content.decode())
    assert "Votre demande d'adhésion n'a pas été acceptée" in html and "retirée" not in html


def test_approving_again_clears_the_withdrawal(moderator, member):
    services.reject(member, by=moderator, reason="Erreur")
    services.approve(member, by=moderator)
    member.refresh_from_db()
    assert member.is_approved and not member.membership_withdrawn


def test_the_data_download_says_the_membership_was_withdrawn(moderator, member):
    """The right of access covers what the site holds about the member's membership, a withdrawal included."""
    assert services.export_personal_data(member)["profile"]["membership_withdrawn"] is False
    services.reject(member, by=moderator, reason="Vous avez quitté le réseau CEP.")
    member.refresh_from_db()
    profile = services.export_personal_data(member)["profile"]
    assert profile["membership_withdrawn"] is True and profile["status"] == "rejected"
