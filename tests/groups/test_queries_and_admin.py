"""Constant queries on the group pages, and the Wagtail admin screens for moderators."""

import pytest

from comcep.groups import services
from comcep.groups.models import Membership, RegionalGroup
from comcep.taxonomy.models import Region
from tests.factories import UserFactory
from tests.factories.forums import make_thread
from tests.factories.groups import make_group

pytestmark = pytest.mark.django_db


def _populate(n_groups, n_members):
    groups = []
    for i in range(n_groups):
        group = make_group(slug=f"g{i}-{n_members}", coordinators=[UserFactory(), UserFactory()],
                           members=[UserFactory() for _ in range(n_members)])
        for j in range(min(n_members, 6)):
            make_thread(space=group.space, author=group.coordinators[0], title=f"Sujet {j} du groupe {i}")
        services.request_join(group=group, user=UserFactory())
        groups.append(group)
    return groups


@pytest.mark.parametrize(("n_groups", "n_members"), [(1, 1), (6, 12)])
def test_group_pages_queries_do_not_grow(client, django_assert_max_num_queries, n_groups, n_members):
    groups = _populate(n_groups, n_members)
    coordinator = groups[0].coordinators[0]
    reader = UserFactory()
    services.ensure_active(group=groups[-1], user=reader)
    client.force_login(reader)
    with django_assert_max_num_queries(15):
        assert client.get("/groupes/").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(groups[-1].get_absolute_url()).status_code == 200
    client.force_login(coordinator)
    with django_assert_max_num_queries(15):
        assert client.get(f"/groupes/{groups[0].slug}/gestion/", {"q": "Conseill"}).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(f"/echanges/{groups[0].space.slug}/moderation/").status_code == 200
    with django_assert_max_num_queries(25):  # the whole dashboard, every panel
        assert client.get("/mon-espace/").status_code == 200


def test_a_moderator_creates_a_group_with_coordinators_in_the_admin(client, moderator):
    coordinator = UserFactory(email="coord@ft-exemple.fr")
    client.force_login(moderator)
    assert client.get("/admin/groupes-regionaux/").status_code == 200
    assert client.get("/admin/groupes-regionaux/new/").status_code == 200
    region = Region.objects.get(slug="bretagne")
    response = client.post("/admin/groupes-regionaux/new/", {
        "name": "Groupe Bretagne", "slug": "bretagne", "region": region.pk,
        "description": "Les CEP bretons.", "coordinator_emails": "COORD@ft-exemple.fr\n"})
    assert response.status_code == 302, response.content.decode()[:3000]
    group = RegionalGroup.objects.get(slug="bretagne")
    assert group.space.slug == "groupe-bretagne" and group.space.title == "Groupe Bretagne"
    assert group.space.moderators.filter(pk=coordinator.pk).exists()
    # Edit: rename, change the coordinators; the former one stays a member.
    second = UserFactory(email="second@ft-exemple.fr")
    response = client.post(f"/admin/groupes-regionaux/edit/{group.pk}/", {
        "name": "Groupe Bretagne (CEP)", "slug": "autre", "region": region.pk, "description": "",
        "coordinator_emails": "second@ft-exemple.fr"})
    assert response.status_code == 302
    group.refresh_from_db()
    group.space.refresh_from_db()
    assert group.slug == "bretagne" and group.space.title == "Groupe Bretagne (CEP)"
    assert list(group.space.moderators.all()) == [second]
    assert Membership.objects.get(group=group, user=coordinator).role == "member"


def test_admin_form_refuses_unknown_coordinators_and_taken_slugs(client, moderator):
    client.force_login(moderator)
    region = Region.objects.get(slug="bretagne")
    make_group(slug="bretagne")
    response = client.post("/admin/groupes-regionaux/new/", {
        "name": "Groupe", "slug": "bretagne", "region": region.pk, "coordinator_emails": "personne@example.fr"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "personne@example.fr" in html and "Aucun membre validé" in html
    assert RegionalGroup.objects.count() == 1


def test_members_have_no_admin_screens(client, member):
    client.force_login(member)
    assert client.get("/admin/groupes-regionaux/").status_code in (302, 403)


def test_the_forums_admin_cannot_change_who_enters_a_group_space(client, admin_user, group, insider, outsider):
    """The "Espaces" form shows a group's space with its access read-only: posted values are ignored."""
    from forums.models import Space

    space = group.space
    client.force_login(admin_user)
    page = client.get(f"/admin/echanges/espaces/edit/{space.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Espace du groupe régional « Groupe Auvergne-Rhône-Alpes »" in html
    assert 'name="visibility"' in html and "disabled" in html.split('name="visibility"')[1].split(">")[0]

    response = client.post(f"/admin/echanges/espaces/edit/{space.pk}/", {
        "title": "Ouvert à tous", "slug": "ouvert", "description": "", "visibility": "public", "groups": [],
        "sort_order": 3, "is_archived": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    space = Space.objects.get(pk=space.pk)
    assert (space.title, space.slug, space.visibility) == ("Groupe Auvergne-Rhône-Alpes", "groupe-auvergne-rhone-alpes",
                                                          "groups")
    assert list(space.groups.all()) == [group.auth_group]
    assert space.sort_order == 3  # what the group does not manage is still edited here

    # The group's member still reads it; a member of another group still does not.
    client.force_login(insider)
    assert client.get(f"/echanges/{space.slug}/").status_code == 200
    client.force_login(outsider)
    assert client.get(f"/echanges/{space.slug}/").status_code == 404


def test_other_spaces_stay_fully_editable_in_the_forums_admin(client, admin_user, group):
    from tests.factories.forums import SpaceFactory

    space = SpaceFactory(slug="cpf", title="CPF")
    client.force_login(admin_user)
    response = client.post(f"/admin/echanges/espaces/edit/{space.pk}/", {
        "title": "CPF et financements", "slug": "cpf", "description": "", "visibility": "groups",
        "groups": [group.auth_group.pk], "sort_order": 0, "is_archived": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    space.refresh_from_db()
    assert space.title == "CPF et financements" and space.visibility == "groups"
    assert list(space.groups.all()) == [group.auth_group]
