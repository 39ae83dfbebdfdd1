"""Who may do what with a regional group and inside its space: visitor, pending member,
member, member of another region's group, coordinator (only their group), moderator."""

import pytest

from forums.models import Flag, Thread
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread

pytestmark = pytest.mark.django_db


def test_visitors_are_sent_to_the_login_page(client, group):
    for url in ("/groupes/", group.get_absolute_url(), f"/groupes/{group.slug}/gestion/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/comptes/login/")


def test_pending_members_get_an_explanation(client, pending_member, group):
    client.force_login(pending_member)
    response = client.get("/groupes/")
    assert response.status_code == 403
    assert "adhésion a été validée" in response.content.decode()
    assert client.post(f"/groupes/{group.slug}/rejoindre/").status_code == 403


def test_a_refused_member_is_not_promised_an_approval_email(client, group):
    from comcep.accounts.enums import MembershipStatus

    refused = UserFactory(status=MembershipStatus.REJECTED, rejection_reason="Structure hors CEP.")
    client.force_login(refused)
    response = client.get("/groupes/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "adhésion a été validée" in html and "/mon-espace/en-attente/" in html
    assert "pas encore validé" not in html and "vous recevrez un e-mail" not in html


def test_a_member_sees_the_groups_but_not_the_space_of_a_group_they_are_not_in(client, member, group):
    thread = make_thread(space=group.space, author=group.coordinators[0], title="Réunion de Lyon en juin")
    client.force_login(member)
    html = client.get("/groupes/").content.decode()
    assert "Groupe Auvergne-Rhône-Alpes" in html and "Awa Coordinatrice" in html
    detail = client.get(group.get_absolute_url()).content.decode()
    assert "Demander à rejoindre" in detail and "Réunion de Lyon" not in detail
    assert client.get(group.space.get_absolute_url()).status_code == 404
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert client.get(f"/groupes/{group.slug}/gestion/").status_code == 403
    assert client.get(f"/groupes/{group.slug}/annonce/").status_code == 403
    assert "Groupe Auvergne" not in client.get("/echanges/").content.decode()


def test_a_group_member_reads_and_posts_in_the_group_space(client, insider, group):
    thread = make_thread(space=group.space, author=group.coordinators[0], title="Réunion de Lyon en juin")
    client.force_login(insider)
    assert client.get(group.space.get_absolute_url()).status_code == 200
    assert client.get(thread.get_absolute_url()).status_code == 200
    detail = client.get(group.get_absolute_url()).content.decode()
    assert "Quitter le groupe" in detail and "Réunion de Lyon en juin" in detail
    assert "Gérer les membres" not in detail
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "J'y serai."})
    assert response.status_code == 302
    # ...but cannot moderate it.
    assert client.post(f"/echanges/sujet/{thread.pk}/moderer/", {"action": "epingler"}).status_code == 403


def test_a_member_of_another_regions_group_sees_nothing_of_this_group(client, group, other_group, outsider):
    thread = make_thread(space=group.space, author=group.coordinators[0], title="Réunion de Lyon en juin")
    client.force_login(outsider)
    assert client.get(other_group.space.get_absolute_url()).status_code == 200
    assert client.get(group.space.get_absolute_url()).status_code == 404
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert client.get(f"/echanges/{group.space.slug}/moderation/").status_code == 404


def test_a_coordinator_moderates_inside_their_group_space(client, coordinator, insider, group):
    thread = make_thread(space=group.space, author=insider, title="Question sur la VAE à Lyon", replies=1,
                         repliers=[insider])
    client.force_login(coordinator)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Modération du sujet" in page and "Épingler" in page
    assert "Déplacer" not in page and "Suspendre l'auteur" not in page
    for action in ("epingler", "verrouiller", "masquer"):
        assert client.post(f"/echanges/sujet/{thread.pk}/moderer/", {"action": action}).status_code == 302
    thread.refresh_from_db()
    assert thread.is_pinned and thread.is_locked and thread.is_hidden
    # The hidden thread stays visible to the coordinator (to restore it), not to members.
    assert client.get(thread.get_absolute_url()).status_code == 200
    client.post(f"/echanges/sujet/{thread.pk}/moderer/", {"action": "retablir"})
    thread.refresh_from_db()
    assert not thread.is_hidden
    reply = thread.posts.order_by("created_at").last()
    response = client.post(f"/echanges/message/{reply.pk}/masquer/", {"reason": "Hors sujet"})
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.is_hidden
    assert client.post(f"/echanges/message/{reply.pk}/certifier/").status_code == 302


def test_a_coordinator_cannot_moderate_elsewhere_nor_move_threads_out(client, coordinator, insider, group,
                                                                       other_group):
    open_space = SpaceFactory(slug="vae", title="VAE")
    elsewhere = make_thread(space=open_space, author=insider, title="Une question ailleurs")
    client.force_login(coordinator)
    for action in ("epingler", "verrouiller", "masquer"):
        assert client.post(f"/echanges/sujet/{elsewhere.pk}/moderer/", {"action": action}).status_code == 403
    post = elsewhere.posts.get()
    assert client.post(f"/echanges/message/{post.pk}/masquer/", {"reason": "x"}).status_code == 403
    assert client.get(f"/echanges/message/{post.pk}/historique/").status_code == 403
    assert client.get("/echanges/vae/moderation/").status_code == 403
    mine = make_thread(space=group.space, author=insider, title="Une question du groupe")
    response = client.post(f"/echanges/sujet/{mine.pk}/moderer/", {"action": "deplacer", "space": open_space.pk})
    assert response.status_code == 403
    assert Thread.objects.get(pk=mine.pk).space_id == group.space_id
    elsewhere.refresh_from_db()
    assert not (elsewhere.is_pinned or elsewhere.is_locked or elsewhere.is_hidden)
    # Other groups: no management, no announcements.
    assert client.get(f"/groupes/{other_group.slug}/gestion/").status_code == 403
    response = client.post(f"/groupes/{other_group.slug}/annonce/", {"title": "Annonce pirate", "body": "x"})
    assert response.status_code == 403


def test_a_coordinator_has_no_admin_access(client, coordinator, group):
    client.force_login(coordinator)
    response = client.get("/admin/")
    assert response.status_code in (302, 403)
    assert client.get("/admin/groupes-regionaux/").status_code in (302, 403)


def test_the_coordinator_handles_reports_of_their_space_on_the_site(client, coordinator, insider, group):
    from comcep.groups import services

    spammer = UserFactory(display_name="Vendeur")
    services.ensure_active(group=group, user=spammer)
    thread = make_thread(space=group.space, author=insider, title="Un sujet signalé", replies=1, repliers=[spammer])
    reply = thread.posts.order_by("created_at").last()
    flag = Flag.objects.create(post=reply, reporter=insider, reason="spam")
    client.force_login(coordinator)
    queue = client.get(f"/echanges/{group.space.slug}/moderation/")
    assert queue.status_code == 200 and "Un sujet signalé" in queue.content.decode()
    response = client.post(f"/echanges/{group.space.slug}/moderation/",
                           {"action": "masquer", "post": reply.pk, "reason": "Publicité"})
    assert response.status_code == 302
    reply.refresh_from_db()
    flag.refresh_from_db()
    assert reply.is_hidden and flag.status == "resolved"
    # A report of another space cannot be reached through this queue.
    other = make_thread(space=SpaceFactory(slug="cpf"), author=insider, title="Ailleurs")
    other_flag = Flag.objects.create(post=other.posts.get(), reporter=coordinator, reason="spam")
    response = client.post(f"/echanges/{group.space.slug}/moderation/", {"action": "classer", "flag": other_flag.pk})
    assert response.status_code == 404
    other_flag.refresh_from_db()
    assert other_flag.status == "open"


def test_a_demoted_or_departed_coordinator_loses_moderation_at_once(client, coordinator, insider, group, moderator):
    from comcep.groups import services

    thread = make_thread(space=group.space, author=insider, title="Sujet du groupe")
    services.leave(group=group, user=coordinator)
    client.force_login(coordinator)
    assert client.post(f"/echanges/sujet/{thread.pk}/moderer/", {"action": "epingler"}).status_code == 404
    assert client.get(group.space.get_absolute_url()).status_code == 404


def test_moderators_manage_every_group(client, moderator, group):
    client.force_login(moderator)
    assert client.get(f"/groupes/{group.slug}/gestion/").status_code == 200
    assert client.get(group.space.get_absolute_url()).status_code == 200
    assert client.get(f"/echanges/{group.space.slug}/moderation/").status_code == 200


def test_unknown_group_and_bad_input_are_4xx(client, member, coordinator, group):
    client.force_login(member)
    assert client.get("/groupes/inconnu/").status_code == 404
    client.force_login(coordinator)
    for data in ({"action": "accepter", "adhesion": "abc"}, {"action": "inviter", "membre": "9999999"},
                 {"action": "retirer"}):
        assert client.post(f"/groupes/{group.slug}/gestion/", data).status_code == 404
    assert client.post(f"/groupes/{group.slug}/gestion/", {"action": "???"}).status_code == 302
    response = client.post(f"/echanges/{group.space.slug}/moderation/",
                           {"action": "masquer", "post": "x", "reason": "r"})
    assert response.status_code == 404
