"""Regional groups in the unified search: approved members find a group by its name, region or
description; visitors and pending accounts do not; edits and deletion follow."""

import pytest

from comcep.groups import services
from comcep.taxonomy.models import Region

pytestmark = pytest.mark.django_db
API = "/recherche/api/"


def titles(client, user, q, **params):
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(API, {"q": q, **params})
    assert response.status_code == 200
    return [r["title"] for r in response.json()["results"] if r["kind"] == "group"]


@pytest.fixture
def indexed_group(group, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.update_group(group=group, region=group.region, name=group.name,
                              description="Les conseillers de la région partagent leurs pratiques d'orientation.")
    return group


def test_members_find_a_group_and_open_it(client, member, indexed_group):
    assert titles(client, member, "Auvergne") == ["Groupe Auvergne-Rhône-Alpes"]
    assert titles(client, member, "pratique orientation") == ["Groupe Auvergne-Rhône-Alpes"]
    assert titles(client, member, "groupe", region="auvergne-rhone-alpes") == ["Groupe Auvergne-Rhône-Alpes"]
    result = next(r for r in client.get(API, {"q": "Auvergne"}).json()["results"] if r["kind"] == "group")
    assert result["url"] == "/groupes/auvergne-rhone-alpes/"
    assert client.get(result["url"]).status_code == 200


def test_visitors_and_pending_accounts_do_not_find_groups(client, indexed_group, pending_member):
    for user in (None, pending_member):
        assert titles(client, user, "Auvergne") == []


def test_edits_and_deletion_follow(client, member, indexed_group, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.update_group(group=indexed_group, region=Region.objects.get(slug="bretagne"),
                              name="Groupe Bretagne", description="")
    assert titles(client, member, "Auvergne") == []
    assert titles(client, member, "Bretagne", region="bretagne") == ["Groupe Bretagne"]
    from search.models import SearchEntry

    entry = SearchEntry.objects.get(kind="group", title="Groupe Bretagne")
    with django_capture_on_commit_callbacks(execute=True):
        indexed_group.delete()
    assert not SearchEntry.objects.filter(pk=entry.pk).exists()
