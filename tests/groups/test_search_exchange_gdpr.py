"""Search follows membership; the `groups` section of the content exchange; GDPR."""

import pytest

from comcep.accounts.gdpr import anonymisers, exporters
from comcep.core import exchange
from comcep.groups import services
from comcep.groups.enums import MembershipStatus, Role
from comcep.groups.models import Membership, RegionalGroup
from forums.models import Space, Thread
from search import services as search_services
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db


def _found(client, user, q="transhumance"):
    client.force_login(user)
    results = client.get("/recherche/api/", {"q": q}).json()["results"]
    return [r["title"] for r in results]


def test_search_shows_group_threads_only_to_group_members_and_follows_membership(
    client, coordinator, insider, group, other_group, outsider, member, moderator
):
    thread = make_thread(space=group.space, author=insider, title="Transhumance des dossiers CPF",
                         body="Comment gérer la transhumance ?")
    search_services.reindex(thread)
    title = ["Transhumance des dossiers CPF"]
    assert _found(client, insider) == title and _found(client, coordinator) == title
    assert _found(client, moderator) == title
    assert _found(client, outsider) == [] and _found(client, member) == []
    # Membership changes apply at the next request (no stale reader tokens).
    services.ensure_active(group=group, user=member)
    assert _found(client, member) == title
    services.leave(group=group, user=insider)
    assert _found(client, insider) == []
    client.logout()
    assert "Transhumance" not in client.get("/recherche/api/", {"q": "transhumance"}).content.decode()


DOC = {
    "format": "comcep-content/1",
    "members": [
        {"email": "coord@ft-exemple.fr", "display_name": "Coordinatrice", "organisation": "France Travail Lyon",
         "operator": "france-travail", "region": "auvergne-rhone-alpes"},
        {"email": "membre@ml-exemple.fr", "display_name": "Membre", "organisation": "Mission locale",
         "operator": "mission-locale", "region": "auvergne-rhone-alpes"},
    ],
    "groups": [{"slug": "aura", "name": "Groupe AURA", "region": "auvergne-rhone-alpes",
                "description": "Les CEP d'Auvergne-Rhône-Alpes.",
                "coordinators": ["coord@ft-exemple.fr"], "members": ["MEMBRE@ml-exemple.fr"]}],
    "threads": [{"space": "groupe-aura", "title": "Bienvenue dans le groupe", "author": "coord@ft-exemple.fr",
                 "created_at": "2026-03-29T10:00:00+02:00",
                 "posts": [{"author": "coord@ft-exemple.fr", "body": "Bonjour à toutes et tous.",
                            "created_at": "2026-03-29T10:00:00+02:00"}]}],
}


def test_import_creates_the_group_its_space_and_memberships_and_is_idempotent():
    ctx = exchange.import_content(DOC)
    assert ctx.counts["groups"]["created"] == 1
    group = RegionalGroup.objects.select_related("space", "auth_group").get(slug="aura")
    assert group.space.slug == "groupe-aura" and group.space.visibility == "groups"
    assert list(group.space.groups.all()) == [group.auth_group]
    coord = Membership.objects.get(group=group, user__email="coord@ft-exemple.fr")
    assert (coord.status, coord.role) == (MembershipStatus.ACTIVE, Role.COORDINATOR)
    assert group.space.moderators.filter(email="coord@ft-exemple.fr").exists()
    assert group.auth_group.user_set.count() == 2
    assert Thread.objects.get(title="Bienvenue dans le groupe").space_id == group.space_id
    ctx = exchange.import_content(DOC)
    assert ctx.counts["groups"] == {"unchanged": 1}
    assert Membership.objects.count() == 2 and Space.objects.filter(slug="groupe-aura").count() == 1


def test_export_then_import_into_an_empty_database_round_trips(django_db_blocker):
    exchange.import_content(DOC)
    document = exchange.export_content()
    exported = next(g for g in document["groups"] if g["slug"] == "aura")
    assert exported == {"slug": "aura", "name": "Groupe AURA", "region": "auvergne-rhone-alpes",
                        "description": "Les CEP d'Auvergne-Rhône-Alpes.",
                        "coordinators": ["coord@ft-exemple.fr"], "members": ["membre@ml-exemple.fr"]}
    # The group's space is exported by the forums with its auth group: an import must accept it.
    space = next(s for s in document["spaces"] if s["slug"] == "groupe-aura")
    assert space["groups"] == ["Groupe régional : aura"]
    Thread.objects.all().delete()
    RegionalGroup.objects.all().delete()
    Space.objects.filter(slug="groupe-aura").delete()
    from django.contrib.auth.models import Group

    Group.objects.filter(name="Groupe régional : aura").delete()
    ctx = exchange.import_content(document)
    assert ctx.counts["groups"]["created"] == 1
    assert exchange.export_content()["groups"] == document["groups"]
    assert exchange.import_content(document).counts["groups"] == {"unchanged": 1}


@pytest.mark.parametrize(("patch", "path", "message"), [
    ({"region": "atlantide"}, "groups[0].region", "unknown region"),
    ({"slug": "Pas Un Slug"}, "groups[0].slug", "not a valid slug"),
    ({"coordinators": ["inconnu@example.fr"]}, "groups[0].coordinators[0]", "no member"),
    ({"members": ["coord@ft-exemple.fr"]}, "groups[0].members", "also listed in coordinators"),
    ({"colour": "red"}, "groups[0].colour", "unknown field"),
])
def test_invalid_groups_are_reported_with_their_path_and_nothing_is_written(patch, path, message):
    doc = {**DOC, "groups": [{**DOC["groups"][0], **patch}], "threads": []}
    with pytest.raises(exchange.ContentImportError) as excinfo:
        exchange.import_content(doc)
    assert any(p == path and message in m for p, m in excinfo.value.errors), excinfo.value.errors
    assert not RegionalGroup.objects.exists()


def test_a_group_slug_whose_space_exists_is_refused():
    Space.objects.create(slug="groupe-aura", title="Déjà là")
    with pytest.raises(exchange.ContentImportError) as excinfo:
        exchange.import_content({**DOC, "threads": []})
    assert any(p == "groups[0].slug" for p, _m in excinfo.value.errors)


def test_gdpr_export_and_deletion(coordinator, insider, group):
    from comcep.accounts.services import delete_account

    data = exporters()["regional_groups"](coordinator)
    assert data["memberships"][0]["group"] == "Groupe Auvergne-Rhône-Alpes"
    assert data["memberships"][0]["role"] == "coordinator"
    delete_account(coordinator)
    assert not Membership.objects.filter(user=coordinator).exists()
    assert not group.space.moderators.filter(pk=coordinator.pk).exists()
    assert not coordinator.groups.exists()
    assert callable(anonymisers()[0])


def test_deleted_members_are_not_exported():
    exchange.import_content(DOC)
    from django.contrib.auth import get_user_model

    from comcep.accounts.services import delete_account

    delete_account(get_user_model().objects.get(email="membre@ml-exemple.fr"))
    exported = next(g for g in exchange.export_content()["groups"] if g["slug"] == "aura")
    assert exported["members"] == []
