"""The membership rules of comcep.accounts.services, called directly."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied

from comcep.accounts import services
from comcep.accounts.enums import MembershipStatus
from tests.factories import ApprovedDomainFactory, PendingUserFactory

pytestmark = pytest.mark.django_db


def test_only_moderators_decide(member, pending_member):
    with pytest.raises(PermissionDenied):
        services.approve(pending_member, by=member)
    with pytest.raises(PermissionDenied):
        services.reject(pending_member, by=member, reason="Non")
    pending_member.refresh_from_db()
    assert pending_member.status == MembershipStatus.PENDING


def test_a_rejection_needs_a_reason(moderator, pending_member):
    with pytest.raises(ValueError, match="reason"):
        services.reject(pending_member, by=moderator, reason="   ")


def test_approving_twice_sends_one_email(moderator, pending_member, committed):
    with committed():
        services.approve(pending_member, by=moderator)
        services.approve(pending_member, by=moderator)
    assert len(mail.outbox) == 1


def test_a_pending_member_verifying_an_allow_listed_address_is_approved(pending_member, moderator, committed):
    ApprovedDomainFactory(domain="apec.fr")
    EmailAddress.objects.create(user=pending_member, email="awa@apec.fr", verified=True)
    with committed():
        services.on_email_verified(pending_member, email="awa@apec.fr")
    pending_member.refresh_from_db()
    assert pending_member.is_approved
    assert [m.to for m in mail.outbox] == [[pending_member.email]]  # the member, not the moderators


def test_moderators_are_told_once_per_member(moderator, committed):
    user = PendingUserFactory(verified=False)
    first = EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    with committed():
        services.on_email_verified(user, email=first.email)
    assert len(mail.outbox) == 1
    EmailAddress.objects.create(user=user, email="autre@exemple.fr", verified=True)
    with committed():
        services.on_email_verified(user, email="autre@exemple.fr")
    assert len(mail.outbox) == 1


def test_rejected_and_approved_members_are_left_alone(member, moderator, committed):
    ApprovedDomainFactory(domain="example.fr")
    rejected = PendingUserFactory()
    services.reject(rejected, by=moderator, reason="Hors CEP")
    mail.outbox.clear()
    with committed():
        services.on_email_verified(rejected, email=rejected.email)
        services.on_email_verified(member, email=member.email)
    rejected.refresh_from_db()
    assert rejected.status == MembershipStatus.REJECTED and rejected.rejection_reason == "Hors CEP"
    assert mail.outbox == []


def test_a_withdrawn_member_is_told_their_membership_was_withdrawn_not_that_a_request_was_refused(
        member, moderator, pending_member, committed):
    with committed():
        services.reject(member, by=moderator, reason="Ne travaille plus en CEP.")
        services.reject(pending_member, by=moderator, reason="Structure inconnue.")
    withdrawn, refused = (next(m for m in mail.outbox if m.to == [user.email]) for user in (member, pending_member))
    assert withdrawn.subject.endswith("Votre adhésion a été retirée")
    assert "a retiré votre adhésion" in withdrawn.body and "Ne travaille plus en CEP." in withdrawn.body
    assert "demande d'adhésion" not in withdrawn.body
    assert refused.subject.endswith("Votre demande d'adhésion n'a pas été acceptée")
    assert "n'a pas pu accepter votre demande d'adhésion" in refused.body and "Structure inconnue." in refused.body
