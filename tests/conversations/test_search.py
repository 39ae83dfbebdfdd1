"""Private conversations in the unified search: a participant finds their conversations by
their words; nobody else does (non-participants, moderators, visitors, a participant who left),
a blocker never finds what the blocked member wrote after the block, and removed messages are
found by nobody."""

import html

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils.html import strip_tags

from comcep.accounts.services import delete_account
from comcep.conversations import services
from comcep.conversations.models import Participant
from search.models import SearchEntry
from tests.factories import ModeratorFactory, UserFactory

from .conftest import start

pytestmark = pytest.mark.django_db

SEARCH = "/recherche/"
API = "/recherche/api/"


def found(client, user, q):
    """The titles ``user`` gets from the search API for ``q`` (checked against the HTML page too)."""
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(API, {"q": q})
    assert response.status_code == 200
    titles = [r["title"] for r in response.json()["results"]]
    page = html.unescape(strip_tags(client.get(SEARCH, {"q": q}).content.decode()))
    for title in titles:
        assert title in page
    return titles


@pytest.fixture
def indexed(alice, bruno, django_capture_on_commit_callbacks):
    """Alice writes to Bruno about a "bilan de compétences"; Bruno answers."""
    with django_capture_on_commit_callbacks(execute=True):
        conversation = start(alice, [bruno], subject="Bilan de compétences en Bretagne",
                             body="Connais-tu un prestataire de bilans à Rennes ?")
    with django_capture_on_commit_callbacks(execute=True):
        services.add_message(conversation=conversation, author=bruno,
                             body="Oui : l'Aract travaille avec des psychologues du travail.")
    return conversation


def test_participants_find_their_conversation_by_its_words(client, alice, bruno, indexed):
    # French analysis: "prestataires" finds "prestataire", "psychologue" finds "psychologues".
    for user in (alice, bruno):
        assert found(client, user, "prestataires") == ["Bilan de compétences en Bretagne"]
        assert found(client, user, "psychologue") == ["Bilan de compétences en Bretagne"]
    response = client.get(API, {"q": "psychologue"})
    result = response.json()["results"][0]
    assert result["url"] == f"/messages/{indexed.pk}/" and result["kind"] == "conversation"
    assert "Conversation privée" in client.get(SEARCH, {"q": "psychologue"}).content.decode()
    assert client.get(result["url"]).status_code == 200  # the result opens


def test_nobody_else_finds_it(client, indexed, chloe, pending_member):
    moderator = ModeratorFactory()
    superuser = UserFactory(is_superuser=True, is_staff=True)
    for user in (None, chloe, pending_member, moderator, superuser):
        assert found(client, user, "psychologue") == []
        assert found(client, user, "bilan competences bretagne") == []
        page = client.get(SEARCH, {"q": "Bretagne"}).content.decode()
        assert "Bilan de compétences en Bretagne" not in page and "Aract" not in page
        suggestions = client.get("/recherche/suggestions/", {"q": "Bilan de comp"}).json()["suggestions"]
        assert all(s["title"] != "Bilan de compétences en Bretagne" for s in suggestions)
        assert client.get(f"/messages/{indexed.pk}/").status_code in (302, 403, 404)


def test_a_moderator_in_a_conversation_finds_it_and_only_theirs(client, alice, bruno, indexed,
                                                                django_capture_on_commit_callbacks):
    moderator = ModeratorFactory(display_name="Nadia Animatrice")
    with django_capture_on_commit_callbacks(execute=True):
        start(alice, [moderator], subject="Question aux psychologues de l'animation",
              body="Une question pour l'équipe.")
    assert found(client, moderator, "psychologue") == ["Question aux psychologues de l'animation"]
    assert sorted(found(client, alice, "psychologue")) == [
        "Bilan de compétences en Bretagne", "Question aux psychologues de l'animation"]


def test_the_autocomplete_suggests_the_subject_to_participants_only(client, alice, chloe, indexed):
    client.force_login(alice)
    titles = [s["title"] for s in client.get("/recherche/suggestions/", {"q": "Bilan de comp"}).json()["suggestions"]]
    assert "Bilan de compétences en Bretagne" in titles
    client.force_login(chloe)
    titles = [s["title"] for s in client.get("/recherche/suggestions/", {"q": "Bilan de comp"}).json()["suggestions"]]
    assert "Bilan de compétences en Bretagne" not in titles


def test_new_messages_are_found_and_a_participant_who_left_no_longer_finds_it(
        client, alice, bruno, chloe, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = start(alice, [bruno, chloe], subject="Réseau des conseillers", body="Bonjour à tous.")
    assert found(client, chloe, "webinaire") == []
    with django_capture_on_commit_callbacks(execute=True):
        services.add_message(conversation=conversation, author=bruno, body="Un webinaire jeudi sur la VAE.")
    assert found(client, chloe, "webinaire") == ["Réseau des conseillers"]
    with django_capture_on_commit_callbacks(execute=True):
        services.leave(conversation=conversation, user=chloe)
    assert found(client, chloe, "webinaire") == []
    assert found(client, alice, "webinaire") == ["Réseau des conseillers"]
    with django_capture_on_commit_callbacks(execute=True):  # nothing written later brings it back
        services.add_message(conversation=conversation, author=alice, body="Le webinaire est enregistré.")
    assert found(client, chloe, "webinaire") == []


def test_the_blocker_does_not_find_what_the_blocked_member_wrote_after_the_block(
        client, alice, bruno, indexed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.block(blocker=bruno, blocked=alice)
    assert found(client, bruno, "prestataire") == ["Bilan de compétences en Bretagne"]  # written before
    with django_capture_on_commit_callbacks(execute=True):
        services.add_message(conversation=indexed, author=alice, body="Et pour la permanence de Quimper ?")
    assert found(client, bruno, "Quimper") == []
    assert found(client, alice, "Quimper") == ["Bilan de compétences en Bretagne"]
    with django_capture_on_commit_callbacks(execute=True):
        services.unblock(blocker=bruno, blocked_id=alice.pk)
    assert found(client, bruno, "Quimper") == ["Bilan de compétences en Bretagne"]  # shown again, as on the page


def test_a_removed_message_is_found_by_nobody(client, alice, bruno, indexed, django_capture_on_commit_callbacks):
    message = indexed.messages.get(author=bruno)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_message(message=message, moderator=ModeratorFactory())
    for user in (alice, bruno):
        assert found(client, user, "psychologue") == []
        assert found(client, user, "prestataire") == ["Bilan de compétences en Bretagne"]


def test_a_deleted_account_leaves_no_personal_entry(client, alice, bruno, indexed,
                                                    django_capture_on_commit_callbacks):
    participant_type = ContentType.objects.get_for_model(Participant)
    assert SearchEntry.objects.filter(source_type=participant_type).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(bruno)
    remaining = SearchEntry.objects.filter(source_type=participant_type)
    assert [e.access for e in remaining] == [f"user:{alice.pk}"]
    assert found(client, alice, "psychologue") == ["Bilan de compétences en Bretagne"]


def test_a_conversation_is_found_by_whom_it_is_with(client, alice, bruno, chloe, indexed,
                                                   django_capture_on_commit_callbacks):
    # Alice Martin and Bruno Leroy (conftest): each finds it by the other's name, nobody else does.
    assert found(client, bruno, "Alice Martin") == ["Bilan de compétences en Bretagne"]
    assert found(client, alice, "Leroy") == ["Bilan de compétences en Bretagne"]
    assert found(client, chloe, "Leroy") == []
    alice.display_name = "Alice Kerjean"
    with django_capture_on_commit_callbacks(execute=True):
        alice.save()
    assert found(client, bruno, "Kerjean") == ["Bilan de compétences en Bretagne"]
    assert found(client, bruno, "Martin") == []


def test_a_deleted_member_is_no_longer_named_in_the_partners_entries(client, alice, bruno, indexed,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(alice)
    assert found(client, bruno, "Martin") == []
    entry = SearchEntry.objects.get(access=f"user:{bruno.pk}")
    assert "Martin" not in entry.body and "Membre supprimé" in entry.body


def test_a_personal_entry_can_never_be_a_recommended_result(client, indexed):
    from search import gaps
    from search.models import SearchGap
    from search.query import parse

    entry = SearchEntry.objects.filter(kind="conversation").first()
    parsed = parse("psychologue")
    gap = SearchGap.objects.create(key=gaps.query_key(parsed), label=parsed.normalised)
    client.force_login(ModeratorFactory())
    page = client.get(f"/admin/recherche/lacunes/{gap.pk}/recommander/", {"q": "psychologue"}).content.decode()
    assert "Bilan de compétences" not in page and "Conversation privée" not in page
    assert client.post(f"/admin/recherche/lacunes/{gap.pk}/recommander/", {"entry": entry.pk}).status_code == 404
    gap.refresh_from_db()
    assert gap.recommended_entry is None


def test_rebuild_writes_one_entry_per_active_participant(alice, bruno, chloe, indexed,
                                                         django_capture_on_commit_callbacks):
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        conversation = start(alice, [bruno, chloe], subject="Trois participants", body="Bonjour.")
        services.leave(conversation=conversation, user=chloe)
    participant_type = ContentType.objects.get_for_model(Participant)
    SearchEntry.objects.filter(source_type=participant_type).delete()
    call_command("rebuild_search", verbosity=0)
    accesses = sorted(SearchEntry.objects.filter(source_type=participant_type).values_list("access", flat=True))
    assert accesses == sorted([f"user:{alice.pk}", f"user:{bruno.pk}", f"user:{alice.pk}", f"user:{bruno.pk}"])
