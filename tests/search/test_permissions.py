"""A reader never gets a result they may not open, and counts only what they may see."""

import pytest

from search.permissions import reader_for
from tests.factories import UserFactory
from tests.search.conftest import run_search, titles

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(make_entry, private_group):
    make_entry("Reconversion : fiche publique", access="public", subkind="guide")
    make_entry("Reconversion : fiche réservée aux membres", access="members", subkind="fiche-outil")
    make_entry("Reconversion : discussion de l'espace privé", kind="thread", subkind="",
               access=f"group:{private_group.pk}")
    make_entry("Reconversion : autre espace privé", kind="thread", subkind="", access="group:999999")


def test_visitor_sees_public_entries_only(entries):
    outcome = run_search("reconversion")
    assert titles(outcome) == ["Reconversion : fiche publique"]
    assert outcome.total == 1
    assert {o.value: o.count for f in outcome.facets if f.group == "kind" for o in f.options} == {"guide": 1}


def test_pending_and_rejected_members_see_public_entries_only(entries, pending_member):
    rejected = UserFactory(status="rejected")
    for user in (pending_member, rejected):
        assert titles(run_search("reconversion", user=user)) == ["Reconversion : fiche publique"]


def test_approved_member_sees_members_entries_but_not_private_spaces(entries, member):
    assert set(titles(run_search("reconversion", user=member))) == {
        "Reconversion : fiche publique", "Reconversion : fiche réservée aux membres"}


def test_group_member_sees_their_private_space_only(entries, member, private_group):
    member.groups.add(private_group)
    outcome = run_search("reconversion", user=member)
    assert set(titles(outcome)) == {
        "Reconversion : fiche publique", "Reconversion : fiche réservée aux membres",
        "Reconversion : discussion de l'espace privé"}
    assert {o.value: o.count for f in outcome.facets if f.group == "kind" for o in f.options} == {
        "guide": 1, "fiche-outil": 1, "thread": 1}


def test_pending_member_of_a_group_still_sees_public_only(entries, pending_member, private_group):
    pending_member.groups.add(private_group)
    assert titles(run_search("reconversion", user=pending_member)) == ["Reconversion : fiche publique"]


def test_moderator_sees_every_private_space(entries, moderator):
    assert run_search("reconversion", user=moderator).total == 4


def test_reader_tokens(member, moderator, private_group):
    member.groups.add(private_group)
    assert reader_for(member).tokens == {"public", "members", f"group:{private_group.pk}"}
    assert not reader_for(member).all_groups
    assert reader_for(moderator).all_groups


def test_page_api_and_suggestions_honour_the_session(client, entries, member):
    for url in ("/recherche/?q=reconversion", "/recherche/api/?q=reconversion", "/recherche/suggestions/?q=recon"):
        html = client.get(url).content.decode()
        assert "réservée aux membres" not in html and "espace privé" not in html
    client.force_login(member)
    assert "réservée aux membres" in client.get("/recherche/?q=reconversion").content.decode()
    assert "réservée aux membres" in client.get("/recherche/api/?q=reconversion").content.decode()
    assert "réservée aux membres" in client.get("/recherche/suggestions/?q=recon").content.decode()
    assert "espace privé" not in client.get("/recherche/suggestions/?q=recon").content.decode()


def test_personal_entries_are_seen_by_their_member_alone(make_entry, member, moderator):
    from search.registry import register_private_prefix

    other = UserFactory()
    make_entry("Reconversion : ma conversation", kind="conversation", subkind="", access=f"user:{member.pk}")
    make_entry("Reconversion : conversation d'un autre", kind="conversation", subkind="", access=f"user:{other.pk}")
    assert titles(run_search("reconversion", user=member)) == ["Reconversion : ma conversation"]
    assert titles(run_search("reconversion", user=moderator)) == []  # moderators get their own token only
    assert titles(run_search("reconversion")) == []
    assert reader_for(member).cache_key != reader_for(other).cache_key  # never one member's summary for another
    assert reader_for(member).shared().cache_key == reader_for(other).shared().cache_key
    with pytest.raises(ValueError):
        register_private_prefix("user:")  # an app cannot open personal entries to moderators
