"""A reader's access tokens are kept per process under a version token (search.permissions, the pattern
of comcep.core.routecache): repeated searches read neither the member's groups nor their private
spaces, and any change to either is seen on the very next request (docs/performance.md, "Session 9:
repeated searches on PostgreSQL")."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comcep.accounts.enums import MODERATORS_GROUP
from forums.enums import SpaceVisibility
from search import permissions
from tests.factories.forums import SpaceFactory
from tests.search.conftest import titles

pytestmark = pytest.mark.django_db

PUBLIC_TITLE = "Reconversion : fiche publique"
GROUP_TITLE = "Reconversion : note du groupe"
SPACE_TITLE = "Reconversion : discussion de l'espace réservé"


def api_titles(client) -> set[str]:
    return set(titles(client.get("/recherche/api/", {"q": "reconversion"})))


def html(client) -> str:
    return client.get("/recherche/", {"q": "reconversion"}).content.decode()


def reader_statements(client) -> list[str]:
    """The statements of one search that compute the reader (their groups, their private spaces)."""
    with CaptureQueriesContext(connection) as queries:
        client.get("/recherche/api/", {"q": "reconversion"})
    return [q["sql"] for q in queries.captured_queries
            if ' FROM "auth_group" ' in q["sql"] or ' FROM "forums_space" ' in q["sql"]]


@pytest.fixture
def group(db):
    return Group.objects.create(name="Conseillers Occitanie")


@pytest.fixture
def space(group):
    return SpaceFactory(slug="occitanie", title="Occitanie", groups=[group])


@pytest.fixture
def entries(make_entry, group, space):
    make_entry(PUBLIC_TITLE, access="public")
    make_entry(GROUP_TITLE, access=f"group:{group.pk}")
    make_entry(SPACE_TITLE, kind="thread", subkind="", access=f"space:{space.pk}")


def test_repeated_searches_do_not_compute_the_reader_again(client, member, group, entries):
    member.groups.add(group)
    client.force_login(member)
    assert reader_statements(client)  # computed once (the groups, the private spaces)...
    assert reader_statements(client) == []  # ...then read from the process's memory
    assert api_titles(client) == {PUBLIC_TITLE, GROUP_TITLE, SPACE_TITLE}


def test_a_member_removed_from_a_group_loses_its_results_on_the_next_request(client, member, group, entries):
    member.groups.add(group)
    client.force_login(member)
    assert api_titles(client) == {PUBLIC_TITLE, GROUP_TITLE, SPACE_TITLE}
    page = html(client)
    assert "note du groupe" in page and "espace réservé" in page
    member.groups.remove(group)
    assert api_titles(client) == {PUBLIC_TITLE}
    page = html(client)
    assert GROUP_TITLE not in page and "espace réservé" not in page
    group.user_set.add(member)  # the reverse side of the relation invalidates as well
    assert api_titles(client) == {PUBLIC_TITLE, GROUP_TITLE, SPACE_TITLE}
    member.groups.clear()
    assert api_titles(client) == {PUBLIC_TITLE}


def test_a_space_closed_to_the_members_group_disappears_on_the_next_request(client, member, group, space, entries):
    member.groups.add(group)
    client.force_login(member)
    assert SPACE_TITLE in api_titles(client)
    space.groups.remove(group)
    assert api_titles(client) == {PUBLIC_TITLE, GROUP_TITLE}
    space.groups.add(group)
    assert SPACE_TITLE in api_titles(client)


def test_a_space_made_private_is_seen_by_its_groups_only_from_the_next_request(client, member, make_entry):
    """A space open to members, then restricted to a group: its entries now carry "space:<pk>" (the
    forums reindex its threads); a member of the group gets that token at once, another member never."""
    group = Group.objects.create(name="Conseillers Bretagne")
    other = Group.objects.create(name="Conseillers Normandie")
    space = SpaceFactory(slug="bretagne", title="Bretagne")
    space.groups.set([group])  # groups chosen while the space is still open to every member
    member.groups.add(group)
    entry = make_entry(SPACE_TITLE, kind="thread", subkind="", access="members")
    client.force_login(member)
    assert api_titles(client) == {SPACE_TITLE}
    entry.access = f"space:{space.pk}"
    entry.save(update_fields=["access"])  # as the forums' reindex does (with a new index generation)
    from search import resultcache

    resultcache.index_changed()
    space.visibility = SpaceVisibility.GROUPS
    space.save(update_fields=["visibility"])
    assert api_titles(client) == {SPACE_TITLE}
    space.groups.set([other])
    assert api_titles(client) == set()


def test_a_space_moderator_removed_loses_the_restricted_space(client, member, space, entries):
    space.moderators.add(member)  # a space's own moderators enter it outside its groups
    client.force_login(member)
    assert SPACE_TITLE in api_titles(client)
    space.moderators.remove(member)
    assert api_titles(client) == {PUBLIC_TITLE}


def test_a_deleted_group_takes_its_results_with_it(client, member, group, space, entries):
    member.groups.add(group)
    client.force_login(member)
    assert api_titles(client) == {PUBLIC_TITLE, GROUP_TITLE, SPACE_TITLE}
    group.delete()  # the memberships go with it (a cascade: no m2m signal)
    assert api_titles(client) == {PUBLIC_TITLE}


def test_moderators_lose_every_private_entry_when_they_leave_the_moderators(client, member, entries):
    moderators = Group.objects.get(name=MODERATORS_GROUP)
    client.force_login(member)
    assert api_titles(client) == {PUBLIC_TITLE}
    member.groups.add(moderators)
    assert api_titles(client) == {PUBLIC_TITLE, GROUP_TITLE, SPACE_TITLE}
    member.groups.remove(moderators)
    assert api_titles(client) == {PUBLIC_TITLE}


def test_a_renamed_group_no_longer_makes_moderators(client, member, entries):
    moderators = Group.objects.get(name=MODERATORS_GROUP)
    member.groups.add(moderators)
    client.force_login(member)
    assert api_titles(client) == {PUBLIC_TITLE, GROUP_TITLE, SPACE_TITLE}
    moderators.name = "Anciens modérateurs"
    moderators.save()
    assert api_titles(client) == {PUBLIC_TITLE}


def test_a_member_no_longer_approved_or_superuser_is_read_again(client, member, group, entries):
    member.groups.add(group)
    client.force_login(member)
    assert api_titles(client) == {PUBLIC_TITLE, GROUP_TITLE, SPACE_TITLE}
    type(member).objects.filter(pk=member.pk).update(status="rejected")  # no signal: the row is read anyway
    assert api_titles(client) == {PUBLIC_TITLE}
    type(member).objects.filter(pk=member.pk).update(status="approved", is_superuser=True)
    member.groups.remove(group)
    assert api_titles(client) == {PUBLIC_TITLE, GROUP_TITLE, SPACE_TITLE}  # a superuser sees every private entry
    type(member).objects.filter(pk=member.pk).update(is_superuser=False)
    assert api_titles(client) == {PUBLIC_TITLE}


def test_another_process_change_is_seen_through_the_shared_token(client, member, group, entries):
    """A membership changed in another process reaches this one only through the version token in the
    shared cache: this process keeps its Reader until the token changes."""
    member.groups.add(group)
    client.force_login(member)
    assert GROUP_TITLE in api_titles(client)
    # Another process's change: the row goes without this process's signals...
    type(member).groups.through.objects.filter(user=member, group=group).delete()
    assert GROUP_TITLE in api_titles(client)
    # ...and its invalidation replaces the shared token.
    cache.set(permissions._readers.version_key, "token-of-another-process", None)
    assert api_titles(client) == {PUBLIC_TITLE}
