"""The group list's query compiled once per process (comcep/groups/views.py, ``_LIST``) gives what the
ORM queryset gives, for every reader, whatever order readers come in."""

import pytest

from comcep.groups import services, views
from comcep.groups.models import RegionalGroup
from tests.factories import ModeratorFactory, UserFactory
from tests.factories.groups import make_group

pytestmark = pytest.mark.django_db


def _row(group):
    return (group.pk, group.name, group.region.name, group.space_id, group.active_count, group.my_status,
            group.my_role, [user.public_name for user in group.coordinators])


def test_the_compiled_group_list_is_what_the_orm_gives_each_reader(client):
    alpes = make_group(slug="alpes", name="Groupe Alpes", coordinators=[UserFactory(display_name="Zoé"),
                                                                        UserFactory(display_name="Anne")],
                       members=[UserFactory() for _ in range(2)] + [insider := UserFactory()])
    paris = make_group(region="ile-de-france", slug="paris", name="Groupe Paris",
                       coordinators=[UserFactory(display_name="Bob")], members=[UserFactory()])
    make_group(region="bretagne", slug="bzh", name="Groupe Bretagne")
    pending = UserFactory()
    services.request_join(group=paris, user=pending)
    readers = [alpes.coordinators[0], insider, paris.coordinators[0], pending, UserFactory(), ModeratorFactory()]
    seen = set()
    for reader in readers + readers[::-1]:
        expected = [_row(g) for g in RegionalGroup.objects.for_list(reader.pk)]
        assert [_row(g) for g in views._LIST.objects(user=reader.pk)] == expected
        seen.update((row[1], row[5], row[6]) for row in expected)
        client.force_login(reader)
        html = client.get("/groupes/").content.decode()
        assert html.index("Groupe Alpes") < html.index("Groupe Bretagne") < html.index("Groupe Paris")
        assert "Anne, Zoé" in html
    # every kind of membership was compared: coordinator, member, pending, none
    assert ("Groupe Alpes", "active", "coordinator") in seen and ("Groupe Paris", "requested", "member") in seen
    assert ("Groupe Alpes", "active", "member") in seen and ("Groupe Paris", "active", "coordinator") in seen
    assert ("Groupe Bretagne", None, None) in seen
