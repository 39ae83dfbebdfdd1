"""Joining, inviting, accepting, removing, promoting: what members and coordinators rely on,
and the invariants behind it (active membership ⇔ auth group; coordinator ⇔ space moderator)."""

import pytest
from django.core import mail

from comcep.groups import services
from comcep.groups.enums import MembershipStatus, Role
from comcep.groups.models import Membership
from comcep.notifications.models import Notification
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory

pytestmark = pytest.mark.django_db


def _in_group(user, group) -> bool:
    return user.groups.filter(pk=group.auth_group_id).exists()


def _moderates(user, group) -> bool:
    return group.space.moderators.filter(pk=user.pk).exists()


def test_request_then_acceptance_opens_the_space_and_notifies(client, member, coordinator, group,
                                                              django_capture_on_commit_callbacks):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/groupes/{group.slug}/rejoindre/")
    assert response.status_code == 302
    membership = Membership.objects.get(group=group, user=member)
    assert membership.status == MembershipStatus.REQUESTED and not _in_group(member, group)
    assert client.get(group.space.get_absolute_url()).status_code == 404
    # The coordinator is told, by e-mail too (default: immediately).
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert "demande à rejoindre" in mail.outbox[0].subject
    mail.outbox.clear()

    client.force_login(coordinator)
    page = client.get(f"/groupes/{group.slug}/gestion/").content.decode()
    assert member.display_name in page and "Accepter" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/groupes/{group.slug}/gestion/", {"action": "accepter", "adhesion": membership.pk})
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE and membership.decided_by == coordinator
    assert _in_group(member, group)
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "Bienvenue" in mail.outbox[0].subject

    client.force_login(member)
    assert client.get(group.space.get_absolute_url()).status_code == 200
    assert "Mes groupes régionaux" in client.get("/mon-espace/").content.decode()


def test_asking_twice_and_cancelling(client, member, group):
    client.force_login(member)
    client.post(f"/groupes/{group.slug}/rejoindre/")
    client.post(f"/groupes/{group.slug}/rejoindre/")
    assert Membership.objects.filter(group=group, user=member).count() == 1
    assert Notification.objects.filter(kind="groupe-demande").count() == 1
    assert "Retirer ma demande" in client.get(group.get_absolute_url()).content.decode()
    client.post(f"/groupes/{group.slug}/rejoindre/", {"action": "annuler"})
    assert not Membership.objects.filter(group=group, user=member).exists()


def test_refusal_deletes_the_request_and_tells_the_member(client, member, coordinator, group):
    membership = services.request_join(group=group, user=member)
    client.force_login(coordinator)
    client.post(f"/groupes/{group.slug}/gestion/", {"action": "refuser", "adhesion": membership.pk})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not _in_group(member, group)
    told = Notification.objects.get(recipient=member, kind="groupe-adhesion")
    assert "n'a pas été acceptée" in told.title and told.actor is None  # the coordinator is not named
    assert told.url == group.get_absolute_url()
    client.force_login(member)  # they may ask again
    client.post(f"/groupes/{group.slug}/rejoindre/")
    assert Membership.objects.filter(group=group, user=member, status="requested").exists()


def test_invitation_by_name_then_acceptance_from_mon_espace(client, coordinator, group,
                                                            django_capture_on_commit_callbacks):
    guest = UserFactory(display_name="Gaëlle Invitée", organisation="Cap emploi Grenoble")
    client.force_login(coordinator)
    page = client.get(f"/groupes/{group.slug}/gestion/", {"q": "gaëlle"}).content.decode()
    assert "Gaëlle Invitée" in page and "Inviter" in page
    # People already in the group are not proposed.
    assert "Inviter Inès Lyon" not in client.get(f"/groupes/{group.slug}/gestion/", {"q": "Inès"}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/groupes/{group.slug}/gestion/", {"action": "inviter", "membre": guest.pk})
    membership = Membership.objects.get(group=group, user=guest)
    assert membership.status == MembershipStatus.INVITED and membership.invited_by == coordinator
    assert [m.to for m in mail.outbox] == [[guest.email]]
    assert not _in_group(guest, group)

    client.force_login(guest)
    dashboard = client.get("/mon-espace/").content.decode()
    assert "Groupe Auvergne-Rhône-Alpes" in dashboard and "Accepter" in dashboard
    response = client.post(f"/groupes/{group.slug}/invitation/", {"action": "accepter", "retour": "mon-espace"})
    assert response["Location"] == "/mon-espace/"
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE and _in_group(guest, group)


def test_declining_an_invitation_and_answering_an_invitation_that_does_not_exist(client, coordinator, group):
    guest = UserFactory()
    services.invite(group=group, by=coordinator, user=guest)
    client.force_login(guest)
    client.post(f"/groupes/{group.slug}/invitation/", {"action": "refuser"})
    assert not Membership.objects.filter(group=group, user=guest).exists()
    assert client.post(f"/groupes/{group.slug}/invitation/", {"action": "accepter"}).status_code == 404
    assert not _in_group(guest, group)


def test_an_invited_member_who_asks_to_join_is_in_and_an_invitation_to_a_requester_accepts(coordinator, group):
    invited, requester = UserFactory(), UserFactory()
    services.invite(group=group, by=coordinator, user=invited)
    assert services.request_join(group=group, user=invited).status == MembershipStatus.ACTIVE
    services.request_join(group=group, user=requester)
    assert services.invite(group=group, by=coordinator, user=requester).status == MembershipStatus.ACTIVE
    assert _in_group(invited, group) and _in_group(requester, group)


def test_pending_members_cannot_be_invited(coordinator, group, pending_member):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.invite(group=group, by=coordinator, user=pending_member)


def test_removal_and_leaving_close_the_space(client, coordinator, insider, group):
    membership = Membership.objects.get(group=group, user=insider)
    client.force_login(coordinator)
    client.post(f"/groupes/{group.slug}/gestion/", {"action": "retirer", "adhesion": membership.pk})
    assert not Membership.objects.filter(pk=membership.pk).exists() and not _in_group(insider, group)
    client.force_login(insider)
    assert client.get(group.space.get_absolute_url()).status_code == 404
    services.ensure_active(group=group, user=insider)
    assert client.get(group.space.get_absolute_url()).status_code == 200
    client.post(f"/groupes/{group.slug}/quitter/")
    assert client.get(group.space.get_absolute_url()).status_code == 404


def test_promotion_makes_a_space_moderator_and_only_moderators_demote(client, coordinator, insider, group, moderator):
    membership = Membership.objects.get(group=group, user=insider)
    client.force_login(coordinator)
    client.post(f"/groupes/{group.slug}/gestion/", {"action": "promouvoir", "adhesion": membership.pk})
    membership.refresh_from_db()
    assert membership.role == Role.COORDINATOR and _moderates(insider, group)
    # Coordinators cannot demote or remove each other...
    coordinator_membership = Membership.objects.get(group=group, user=coordinator)
    client.force_login(insider)
    client.post(f"/groupes/{group.slug}/gestion/", {"action": "retrograder", "adhesion": coordinator_membership.pk})
    client.post(f"/groupes/{group.slug}/gestion/", {"action": "retirer", "adhesion": coordinator_membership.pk})
    coordinator_membership.refresh_from_db()
    assert coordinator_membership.role == Role.COORDINATOR and _moderates(coordinator, group)
    # ...moderators can.
    client.force_login(moderator)
    client.post(f"/groupes/{group.slug}/gestion/", {"action": "retrograder", "adhesion": membership.pk})
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER and not _moderates(insider, group) and _in_group(insider, group)


def test_a_removed_coordinator_is_no_longer_a_space_moderator(client, coordinator, group, moderator):
    membership = Membership.objects.get(group=group, user=coordinator)
    client.force_login(moderator)
    client.post(f"/groupes/{group.slug}/gestion/", {"action": "retirer", "adhesion": membership.pk})
    assert not _moderates(coordinator, group) and not _in_group(coordinator, group)


@pytest.mark.parametrize("how", ["leaves", "removed"])
def test_a_member_who_leaves_gets_nothing_more_of_the_group_space_not_even_the_digest(
        how, coordinator, insider, group, django_capture_on_commit_callbacks):
    """The announcement and the replies waiting for the weekly digest are members-only content of the
    group: once out of the group, the member is not mailed them, and the bell no longer lists them
    (their links would answer 404)."""
    from comcep.notifications.emails import send_digests
    from comcep.notifications.services import set_preferences
    from forums import services as forum_services

    set_preferences(insider, {"annonce-groupe": "weekly", "reply": "weekly"})
    keeper = UserFactory(display_name="Reste dans le groupe")
    services.ensure_active(group=group, user=keeper)
    set_preferences(keeper, {"annonce-groupe": "weekly", "reply": "weekly"})
    unrelated = forum_services.create_thread(space=SpaceFactory(), author=coordinator,
                                             title="Sujet hors du groupe", body="Ouvert à tous.")
    forum_services.follow(insider, thread=unrelated)
    with django_capture_on_commit_callbacks(execute=True):
        thread = services.post_announcement(group=group, author=coordinator, title="Réunion confidentielle",
                                            body="Ordre du jour : **budget 2027**.")
        forum_services.follow(insider, thread=thread)
        forum_services.add_reply(thread=thread, author=coordinator, body="Précision : salle 3, budget serré.")
        forum_services.add_reply(thread=unrelated, author=coordinator, body="Réponse hors du groupe.")
    assert insider.notifications.count() == 3
    mail.outbox.clear()

    if how == "leaves":
        services.leave(group=group, user=insider)
    else:
        services.remove_member(membership=Membership.objects.get(group=group, user=insider), by=coordinator)
    send_digests("weekly")

    mailed = {m.to[0]: m.body for m in mail.outbox}
    assert "budget" in mailed[keeper.email]
    assert "Réunion confidentielle" not in mailed[insider.email] and "budget" not in mailed[insider.email]
    assert "Réponse hors du groupe" in mailed[insider.email]  # what they may still read stays
    assert list(insider.notifications.values_list("url", flat=True)) == [
        unrelated.posts.order_by("-pk").first().get_absolute_url()]


# --- Notifications of requests and invitations that no longer wait -----------------------


@pytest.fixture
def second_coordinator(group):
    user = UserFactory(display_name="Bertrand Coordinateur")
    services.ensure_active(group=group, user=user, role=Role.COORDINATOR)
    return user


def _asking(user):
    return Notification.objects.filter(recipient=user, kind__in=["groupe-demande", "groupe-adhesion"])


@pytest.mark.parametrize("how", [("rejoindre/", {"action": "annuler"}), ("quitter/", {})],
                         ids=["retirer-ma-demande", "quitter"])
def test_a_withdrawn_request_is_no_longer_in_the_coordinators_notifications(client, member, coordinator, group,
                                                                            second_coordinator, how):
    from comcep.notifications.emails import send_digests
    from comcep.notifications.enums import Frequency
    from comcep.notifications.services import set_preferences

    set_preferences(second_coordinator, {"groupe-demande": Frequency.DAILY})
    client.force_login(member)
    client.post(f"/groupes/{group.slug}/rejoindre/")
    assert _asking(coordinator).filter(kind="groupe-demande").exists()
    mail.outbox.clear()

    path, data = how
    client.post(f"/groupes/{group.slug}/{path}", data)

    assert not Membership.objects.filter(group=group, user=member).exists()
    for user in (coordinator, second_coordinator):
        assert not _asking(user).exists()
        client.force_login(user)
        assert "demande à rejoindre" not in client.get("/mon-espace/notifications/").content.decode()
    send_digests(Frequency.DAILY)  # nothing left for Bertrand's digest
    assert mail.outbox == []


@pytest.mark.parametrize("decision", ["accepter", "refuser"])
def test_an_answered_request_is_no_longer_in_the_coordinators_notifications(client, member, coordinator, group,
                                                                            second_coordinator, decision):
    membership = services.request_join(group=group, user=member)
    assert _asking(second_coordinator).exists()

    client.force_login(coordinator)
    client.post(f"/groupes/{group.slug}/gestion/", {"action": decision, "adhesion": membership.pk})

    assert not _asking(coordinator).exists() and not _asking(second_coordinator).exists()
    # The member is told the answer.
    told = Notification.objects.get(recipient=member, kind="groupe-adhesion")
    assert ("Bienvenue" if decision == "accepter" else "n'a pas été acceptée") in told.title


@pytest.mark.parametrize("answer", ["accepter", "refuser", "retirer"])
def test_an_answered_or_withdrawn_invitation_is_no_longer_in_the_invited_members_notifications(
        client, coordinator, group, answer):
    guest = UserFactory()
    membership = services.invite(group=group, by=coordinator, user=guest)
    assert _asking(guest).filter(title__contains="vous invite").exists()

    if answer == "retirer":  # the coordinator withdraws it
        client.force_login(coordinator)
        client.post(f"/groupes/{group.slug}/gestion/", {"action": "retirer", "adhesion": membership.pk})
    else:
        client.force_login(guest)
        client.post(f"/groupes/{group.slug}/invitation/", {"action": answer})

    assert not _asking(guest).filter(title__contains="vous invite").exists()
    assert _in_group(guest, group) == (answer == "accepter")


def test_the_join_requests_kinds_are_offered_to_those_who_decide_them(client, group, coordinator, insider):
    """« Demandes d'adhésion à mes groupes (coordination) » on the preferences page: for whoever coordinates
    a group and for the moderators (who decide for a group left without coordinator, and are told of it),
    not for the groups' members."""
    from tests.factories import ModeratorFactory

    requests = "Demandes d&#x27;adhésion à mes groupes (coordination)"
    orphans = "Groupes régionaux sans coordinateur (équipe d&#x27;animation)"
    client.force_login(coordinator)
    html = client.get("/mon-espace/notifications/preferences/").content.decode()
    assert requests in html and orphans not in html
    client.force_login(ModeratorFactory())
    html = client.get("/mon-espace/notifications/preferences/").content.decode()
    assert requests in html and orphans in html
    client.force_login(insider)
    html = client.get("/mon-espace/notifications/preferences/").content.decode()
    assert requests not in html and orphans not in html and "Annonces de mes groupes régionaux" in html
