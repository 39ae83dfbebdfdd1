"""The thread indexer (what the unified search receives) and the "Mes échanges" panel."""

import pytest
from django.contrib.auth.models import Group

from forums import services
from forums.search import ThreadIndexer
from tests.factories import UserFactory
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db


def test_indexer_entry_follows_visibility(member, moderator, space, private_space, insider, region_group):
    indexer = ThreadIndexer()
    thread = make_thread(space=space, title="Délais de recevabilité VAE", body="Quels **délais** ?", replies=1)
    entry = indexer.entry(thread)
    assert (entry.kind, entry.access, entry.space) == ("thread", "members", space.slug)
    assert entry.summary == "Quels délais ?" and "Réponse numéro 1" in entry.body
    assert entry.url == thread.get_absolute_url()
    private = make_thread(space=private_space, author=insider)
    assert indexer.entry(private).access == f"space:{private_space.pk}"
    services.hide_thread(thread=thread, moderator=moderator, reason="x")
    thread.refresh_from_db()
    assert indexer.entry(thread) is None
    assert {t.pk for t in indexer.all_objects()} == {thread.pk, private.pk}


def test_member_area_panel_lists_my_threads(client, member, space):
    make_thread(space=space, author=member, title="Ma question sur le CPF")
    client.force_login(member)
    html = client.get("/mon-espace/").content.decode()
    assert "Mes échanges" in html and "Ma question sur le CPF" in html


def test_a_space_shared_by_two_groups_is_found_by_members_of_each_and_nobody_else(
    client, member, moderator, private_space, insider, region_group
):
    from search import services as search_services

    second_group = Group.objects.create(name="Réseau des Missions locales")
    private_space.groups.add(second_group)
    other_insider = UserFactory(display_name="Marc Mission")
    other_insider.groups.add(second_group)
    thread = make_thread(space=private_space, author=insider, title="Commission régionale de financement")
    search_services.reindex(thread)

    def found(user):
        client.force_login(user)
        results = client.get("/recherche/api/", {"q": "commission"}).json()["results"]
        return [r["title"] for r in results] == ["Commission régionale de financement"]

    assert found(insider) and found(other_insider) and found(moderator)
    assert not found(member)
    client.logout()
    assert "Commission régionale" not in client.get("/recherche/api/", {"q": "commission"}).content.decode()
