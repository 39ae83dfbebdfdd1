"""Property-based fuzzing of the members' forms added with private conversations and regional
groups, and of the moderators' content-gap actions: hostile text, duplicated or missing keys and
hostile ids never produce a 5xx; a form that refuses the input comes back with its errors in
French next to the field and stores nothing; an accepted one redirects and writes everything
(never half of it).

Same strategies and rules as tests/security/test_fuzz.py. Hypothesis runs every example inside
the test's transaction: each test puts back the state it changed, so examples stay independent.
"""
import re

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from django.utils.html import escape
from hypothesis import example, given
from hypothesis import strategies as st

from comcep.conversations import services as conversations
from comcep.conversations.models import Block, Conversation, Message, Participant, Report
from comcep.groups import services as groups
from comcep.groups.enums import MembershipStatus, Role
from comcep.groups.models import Membership
from forums.models import Post, Thread
from search import gaps
from search.enums import GapStatus
from search.models import SearchGap
from search.query import parse
from tests.factories import UserFactory
from tests.factories.groups import make_group
from tests.security.test_fuzz import ENGLISH, FUZZ, assert_refused_in_french, hostile

pytestmark = pytest.mark.django_db

# Ids typed by hand: Unicode digits that str.isdigit() accepts but int() refuses, signs, overflows,
# plus placeholders the tests replace by real ids (so the accepted path is explored too).
hostile_id = st.one_of(hostile, st.sampled_from([
    "²", "³", "①", "١٢", "٣", "𝟙", " 1", "1 ", "+1", "-1", "0", "00", "1.0", "0x10", "1_000",
    str(2**31), str(2**63), str(2**64), "9" * 40, "<ami>", "<moi>", "<inconnu>",
]))
id_value = st.one_of(hostile_id, st.lists(hostile_id, min_size=2, max_size=3))
value = st.one_of(hostile, st.lists(hostile, min_size=2, max_size=3))

DJANGO_ENGLISH = ENGLISH + ("Select a valid choice", "Null characters are not allowed", "Enter a list of values",
                            "is not a valid value", "Ensure this field")


def fields(*names, ids=()):
    return st.dictionaries(st.sampled_from(names + ids),
                           st.one_of(value, id_value) if ids else value, max_size=len(names) + len(ids))


def resolve(data, **ids):
    """Replace the placeholders "<ami>", "<moi>"... by real ids (given as keyword arguments)."""
    def one(v):
        return str(ids[v[1:-1]]) if isinstance(v, str) and v[1:-1] in ids and v.startswith("<") else v

    return {k: [one(x) for x in v] if isinstance(v, list) else one(v) for k, v in data.items()}


def assert_errors_next_to_fields(response, form):
    """Every error of the re-rendered form is in French, in the page, and tied to its field:
    rendered with the field (``id="id_<field>_error"``) and named by its ``aria-describedby``."""
    html = response.content.decode()
    assert not any(english in html for english in DJANGO_ENGLISH), html
    for name, errors in form.errors.items():
        for error in errors:
            assert escape(error) in html, (name, error)
        if name == "__all__":
            continue
        error_id = f"{form[name].auto_id}_error"
        assert f'id="{error_id}"' in html, name
        assert re.search(rf'aria-describedby="[^"]*\b{error_id}\b', html), name


def assert_french_messages(response):
    """Actions that redirect say what went wrong in a flash message: never in English."""
    for message in get_messages(response.wsgi_request):
        assert not any(english in str(message) for english in DJANGO_ENGLISH), str(message)


# --- Private conversations -----------------------------------------------------------------

conversation_rates = override_settings(CONVERSATIONS_NEW_MEMBER_DAYS=0, CONVERSATIONS_MESSAGE_RATE="1000/1m",
                                       CONVERSATIONS_NEW_MEMBER_MESSAGE_RATE="1000/1m")


@pytest.fixture
def writer(db):
    return UserFactory(display_name="Awa Fuzz", organisation="Mission locale de Lyon")


@pytest.fixture
def friend(db):
    return UserFactory(display_name="Bruno Fuzz", organisation="Apec Nantes")


@pytest.fixture
def talk(writer, friend):
    """Bruno wrote to Awa (so that Awa can reply, report it, block him or leave)."""
    return conversations.start_conversation(author=friend, recipients=[writer], subject="Atelier CV",
                                            body="Bonjour Awa, on prépare l'atelier ensemble ?", rate_limited=False)


def message_counts():
    return Conversation.objects.count(), Participant.objects.count(), Message.objects.count()


@conversation_rates
@FUZZ
@given(data=fields("q", "subject", "body", "chercher", "x", ids=("recipients",)))
@example(data={"recipients": "<ami>", "subject": "Atelier CV", "body": "Bonjour, on en parle ?"})  # accepted
@example(data={"recipients": ["<ami>", "²"], "subject": "Atelier", "body": "Bonjour"})  # was a 500
@example(data={"recipients": str(2**63), "chercher": "1"})  # was a 500 (an IN list is not bounded)
@example(data={"recipients": ["<ami>", "<inconnu>", "<moi>"], "q": "Fu", "chercher": ""})
def test_new_conversation_and_recipient_search_never_fail(client, writer, friend, data):
    pending = UserFactory(status="pending")
    data = resolve(data, ami=friend.pk, moi=writer.pk, inconnu=pending.pk)
    client.force_login(writer)
    before = message_counts()
    response = client.post("/messages/nouveau/", data)
    after = message_counts()
    assert response.status_code < 500
    if "chercher" in data:  # the "Chercher" button: the page comes back with the results, nothing sent
        assert response.status_code == 200
        assert after == before
        return
    if response.status_code == 302:
        conversation = Conversation.objects.latest("pk")
        participants = Participant.objects.filter(conversation=conversation).count()
        assert after == (before[0] + 1, before[1] + participants, before[2] + 1)
        assert participants >= 2 and conversation.message_count == 1
        assert "\x00" not in conversation.subject
        return
    assert response.status_code == 400, response.status_code
    assert after == before, "a refused form stored something"
    assert_refused_in_french(response)
    assert_errors_next_to_fields(response, response.context["form"])


@conversation_rates
@FUZZ
@given(params=fields("a", "x", ids=("a",)))
def test_new_conversation_prefilled_recipients_never_fail(client, writer, friend, params):
    """The directory's "Écrire" link: /messages/nouveau/?a=<id>."""
    client.force_login(writer)
    response = client.get("/messages/nouveau/", resolve(params, ami=friend.pk, moi=writer.pk, inconnu=0))
    assert response.status_code == 200


@conversation_rates
@FUZZ
@given(data=fields("body", "x"))
@example(data={"body": "Merci, à lundi !"})
def test_conversation_reply_never_fails(client, writer, talk, data):
    cache.clear()
    client.force_login(writer)
    before = message_counts()
    response = client.post(f"/messages/{talk.pk}/repondre/", data)
    after = message_counts()
    assert response.status_code < 500
    if response.status_code == 302:
        assert after == (before[0], before[1], before[2] + 1)
        talk.refresh_from_db()
        assert talk.message_count == Message.objects.filter(conversation=talk).count()
        return
    assert response.status_code == 400, response.status_code
    assert after == before, "a refused reply stored something"
    assert_refused_in_french(response)
    assert_errors_next_to_fields(response, response.context["reply_form"])


@conversation_rates
@FUZZ
@given(data=fields("reason", "comment", "x"))
@example(data={"reason": "spam", "comment": "Publicité"})
def test_report_a_message_never_fails(client, writer, talk, data):
    message = Message.objects.filter(conversation=talk).earliest("pk")
    client.force_login(writer)
    response = client.post(f"/messages/message/{message.pk}/signaler/", data)
    assert response.status_code < 500
    if response.status_code == 302:
        report = Report.objects.get()
        assert report.message_id == message.pk and report.reporter_id == writer.pk
        assert len(report.comment) <= 500 and "\x00" not in report.comment
        Report.objects.all().delete()
        return
    assert response.status_code == 400, response.status_code
    assert not Report.objects.exists(), "a refused report stored something"
    assert_refused_in_french(response, bound=bool(data))
    assert_errors_next_to_fields(response, response.context["form"])


@conversation_rates
@FUZZ
@given(data=fields("x", ids=("retour",)), unblock=fields("suivant", "x"),
       target=st.sampled_from(["<ami>", "<moi>", "<inconnu>", "0", str(2**63), "9" * 30]))
@example(data={"retour": "²"}, unblock={}, target="<ami>")  # was a 500
@example(data={}, unblock={"suivant": "messages"}, target=str(2**63))  # unblocking was a 500
def test_block_and_unblock_never_fail(client, writer, friend, talk, data, unblock, target):
    data = resolve(data, ami=talk.pk, moi=talk.pk, inconnu=0)
    user_id = resolve({"id": target}, ami=friend.pk, moi=writer.pk, inconnu=UserFactory().pk)["id"]
    client.force_login(writer)
    response = client.post(f"/messages/membre/{user_id}/bloquer/", data)
    assert response.status_code < 500
    blocks = list(Block.objects.values_list("blocker_id", "blocked_id"))
    if user_id == str(friend.pk):
        assert response.status_code == 302
        assert response["Location"] in (talk.get_absolute_url(), "/messages/")
        assert blocks == [(writer.pk, friend.pk)]
    else:  # yourself, a stranger, no such account: 404, no hint, nothing written
        assert response.status_code == 404
        assert blocks == []
    assert client.get(f"/messages/membre/{user_id}/bloquer/", data).status_code in (200, 404)

    response = client.post(f"/messages/membre/{user_id}/debloquer/", unblock)
    assert response.status_code == (302 if user_id == str(friend.pk) else 404)
    assert response.status_code == 404 or response["Location"] in ("/messages/", "/mon-espace/")
    assert not Block.objects.exists()


@conversation_rates
@FUZZ
@given(data=fields("x", "retour", "next"))
def test_leave_a_conversation_never_fails(client, writer, talk, data):
    client.force_login(writer)
    assert client.get(f"/messages/{talk.pk}/quitter/", data).status_code == 200
    response = client.post(f"/messages/{talk.pk}/quitter/", data)
    assert response.status_code == 302 and response["Location"] == "/messages/"
    me = Participant.objects.get(conversation=talk, user=writer)
    assert me.left_at is not None
    assert client.get(talk.get_absolute_url()).status_code == 404  # gone from their side
    Participant.objects.filter(pk=me.pk).update(left_at=None)


# --- Regional groups -----------------------------------------------------------------------


@pytest.fixture
def coordinator(db):
    return UserFactory(display_name="Coordinatrice Fuzz")


@pytest.fixture
def regional(db, coordinator):
    return make_group(slug="groupe-fuzz", name="Groupe fuzz", coordinators=[coordinator])


def assert_group_consistent(group):
    """The invariants the group services keep: the auth group holds exactly the active members,
    the space's moderators exactly the active coordinators; one membership per member."""
    active = set(Membership.objects.active().filter(group=group).values_list("user_id", flat=True))
    coordinators = set(Membership.objects.coordinators().filter(group=group).values_list("user_id", flat=True))
    assert set(group.auth_group.user_set.values_list("pk", flat=True)) == active
    assert set(group.space.moderators.values_list("pk", flat=True)) == coordinators


@FUZZ
@given(data=fields("action", "x"), invited=st.booleans())
def test_group_join_request_never_fails(client, writer, coordinator, regional, data, invited):
    if invited:
        groups.invite(group=regional, by=coordinator, user=writer)
    client.force_login(writer)
    response = client.post(f"/groupes/{regional.slug}/rejoindre/", data)
    assert response.status_code == 302 and response["Location"] == regional.get_absolute_url()
    assert_french_messages(response)
    status = Membership.objects.filter(group=regional, user=writer).values_list("status", flat=True).first()
    if data.get("action") == "annuler":
        assert status == (MembershipStatus.INVITED if invited else None)
    else:
        assert status == (MembershipStatus.ACTIVE if invited else MembershipStatus.REQUESTED)
    assert_group_consistent(regional)
    groups.leave(group=regional, user=writer)


@FUZZ
@given(data=fields("action", "retour", "x"))
def test_group_invitation_answer_never_fails(client, writer, coordinator, regional, data):
    groups.invite(group=regional, by=coordinator, user=writer)
    client.force_login(writer)
    response = client.post(f"/groupes/{regional.slug}/invitation/", data)
    assert response.status_code == 302
    assert response["Location"] in (regional.get_absolute_url(), "/mon-espace/")
    status = Membership.objects.filter(group=regional, user=writer).values_list("status", flat=True).first()
    assert status == (None if data.get("action") == "refuser" else MembershipStatus.ACTIVE)
    assert_group_consistent(regional)
    groups.leave(group=regional, user=writer)
    # No invitation any more: a 404, not a 500.
    assert client.post(f"/groupes/{regional.slug}/invitation/", data).status_code == 404


@FUZZ
@given(data=fields("x", ids=("action", "membre", "adhesion")),
       action=st.sampled_from(["inviter", "accepter", "refuser", "retirer", "promouvoir", "retrograder"]),
       as_moderator=st.booleans())
@example(data={"adhesion": "²"}, action="accepter", as_moderator=False)  # was a 500
@example(data={"membre": "٣"}, action="inviter", as_moderator=False)
@example(data={"membre": "<ami>"}, action="inviter", as_moderator=True)  # accepted: the request becomes a member
@example(data={"adhesion": "<ami>"}, action="retirer", as_moderator=False)
def test_group_management_never_fails(client, writer, friend, coordinator, regional, moderator, data, action,
                                      as_moderator):
    groups.request_join(group=regional, user=friend)  # a pending request to decide on
    request = Membership.objects.get(group=regional, user=friend)
    data.setdefault("action", action)
    data = resolve(data, ami=friend.pk if data["action"] == "inviter" else request.pk, moi=writer.pk,
                   inconnu=coordinator.pk)
    client.force_login(moderator if as_moderator else coordinator)
    response = client.post(f"/groupes/{regional.slug}/gestion/", data)
    assert response.status_code in (302, 404), response.status_code
    if response.status_code == 302:
        assert response["Location"] == f"/groupes/{regional.slug}/gestion/"
        assert_french_messages(response)
    assert Membership.objects.coordinators().filter(group=regional).exists(), "the group lost its coordinator"
    assert_group_consistent(regional)
    for user in (writer, friend):
        groups.leave(group=regional, user=user)
    if not Membership.objects.coordinators().filter(group=regional, user=coordinator).exists():
        groups.ensure_active(group=regional, user=coordinator, role=Role.COORDINATOR)


@FUZZ
@given(params=fields("q", "x"))
def test_group_invite_search_never_fails(client, coordinator, regional, params):
    client.force_login(coordinator)
    response = client.get(f"/groupes/{regional.slug}/gestion/", params)
    assert response.status_code == 200
    assert_errors_next_to_fields(response, response.context["search"])


@override_settings(FORUMS_NEW_MEMBER_DAYS=0, FORUMS_POST_RATE="1000/1m", FORUMS_NEW_MEMBER_POST_RATE="1000/1m")
@FUZZ
@given(data=fields("title", "body", "x"))
@example(data={"title": "Réunion de rentrée", "body": "Rendez-vous lundi à 9 h."})
def test_group_announcement_never_fails(client, coordinator, regional, data):
    cache.clear()
    client.force_login(coordinator)
    before = (Thread.objects.count(), Post.objects.count())
    response = client.post(f"/groupes/{regional.slug}/annonce/", data)
    after = (Thread.objects.count(), Post.objects.count())
    assert response.status_code < 500
    if response.status_code == 302:
        thread = Thread.objects.latest("pk")
        assert thread.space_id == regional.space_id and thread.is_pinned
        if after == before:
            # The same announcement again within minutes (Hypothesis repeats examples): a resubmission, published
            # once; the coordinator is sent to the announcement already there.
            assert response["Location"].startswith(thread.get_absolute_url())
        else:
            assert after == (before[0] + 1, before[1] + 1)
        return
    assert response.status_code == 400, response.status_code
    assert after == before, "a refused announcement stored something"
    assert_refused_in_french(response, bound=bool(data))
    assert_errors_next_to_fields(response, response.context["form"])


# --- Content gaps (Wagtail admin, moderators) ------------------------------------------------

GAPS = "/admin/recherche/lacunes/"


@pytest.fixture
def gap(db):
    parsed = parse("reconversion infirmière")
    return SearchGap.objects.create(key=gaps.query_key(parsed), label=parsed.normalised)


@pytest.fixture
def entry(db):
    """A search entry written through the search services, as an indexer would."""
    from django.contrib.auth.models import Permission

    from search import services as search_services
    from search.registry import EntryData

    data = EntryData(kind="resource", subkind="fiche-pratique", title="Se reconvertir quand on est infirmière",
                     summary="Les étapes d'une reconversion.", body="", url="/ressources/reconversion-fuzz/",
                     access="public", themes=[], audiences=[], service_levels=[], region="",
                     published_at=timezone.now())
    return search_services.upsert(data, source_type=Permission, source_id=990001)


def assert_back_in_admin(response):
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/admin/") and not location.startswith("//"), location


@FUZZ
@given(data=fields("note", "next", "x", ids=("gap", "action")),
       action=st.sampled_from(["handle", "reopen", "unrecommend"]))
@example(data={"note": "vu\x00", "action": "handle"}, action="handle")  # NUL: a 500 on PostgreSQL
@example(data={"gap": "²", "next": "//evil.example/admin/"}, action="reopen")
def test_gap_actions_never_fail(client, moderator, gap, entry, data, action):
    data.setdefault("action", action)
    data = resolve(data, ami=gap.pk, moi=gap.pk, inconnu=0)
    data.setdefault("gap", str(gap.pk))
    gaps.recommend(gap=gap, entry=entry, moderator=moderator)  # linked and handled
    gaps.reopen(gap=gap, moderator=moderator)
    client.force_login(moderator)
    response = client.post(GAPS, data)
    assert response.status_code in (302, 404), response.status_code
    gap.refresh_from_db()
    if response.status_code == 404:
        assert gap.status == GapStatus.OPEN and gap.recommended_entry_id == entry.pk
        return
    assert_back_in_admin(response)
    assert_french_messages(response)
    assert len(gap.note) <= 2000 and "\x00" not in gap.note
    if gap.status == GapStatus.HANDLED:
        assert gap.handled_by_id == moderator.pk and gap.handled_at is not None
    else:
        assert gap.handled_by_id is None and gap.handled_at is None
    SearchGap.objects.filter(pk=gap.pk).update(note="")


@FUZZ
@given(params=fields("q", "type", "next", "x"), data=fields("next", "x", ids=("entry",)))
@example(params={"q": "reconversion"}, data={"entry": "<ami>", "next": "https://evil.example/admin/"})
def test_recommended_result_chooser_never_fails(client, moderator, gap, entry, params, data):
    client.force_login(moderator)
    url = f"{GAPS}{gap.pk}/recommander/"
    response = client.get(url, params)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
    data = resolve(data, ami=entry.pk, moi=entry.pk, inconnu=0)
    response = client.post(url, data)
    assert response.status_code in (302, 404), response.status_code
    gap.refresh_from_db()
    if response.status_code == 302:
        assert_back_in_admin(response)
        assert gap.recommended_entry_id == entry.pk and gap.status == GapStatus.HANDLED
        gaps.recommend(gap=gap, entry=None, moderator=moderator)
        gaps.reopen(gap=gap, moderator=moderator)
    else:
        assert gap.recommended_entry_id is None and gap.status == GapStatus.OPEN


@pytest.mark.parametrize("pk", ["²", "٣", "0", "-1", str(2**63), "9" * 40, "abc"])
def test_recommended_result_chooser_with_a_hostile_id_is_a_404(client, moderator, pk):
    client.force_login(moderator)
    assert client.get(f"{GAPS}{pk}/recommander/").status_code == 404
    assert client.post(f"{GAPS}{pk}/recommander/", {"entry": "1"}).status_code == 404


# --- Ids typed by hand elsewhere (found while fuzzing the forms above) ---------------------


@pytest.mark.parametrize("typed", ["²", "٣", "①", str(2**64)])
def test_unicode_digits_in_ids_are_refused_not_a_500(client, writer, moderator, talk, typed):
    """``str.isdigit()`` accepts "²", which ``int()`` refuses: every id read from a form or a
    link is checked as ASCII digits."""
    from tests.factories.forums import SpaceFactory, make_thread

    thread = make_thread(author=writer)
    client.force_login(writer)
    assert client.get(thread.get_absolute_url(), {"citer": typed}).status_code == 200
    assert client.get("/echanges/mentions/", {"sujet": typed, "q": "a"}).status_code in (400, 404)
    assert client.get("/messages/nouveau/", {"a": typed}).status_code == 200
    client.force_login(moderator)
    space = SpaceFactory(slug="espace-ids")
    for data in ({"action": "classer", "flag": typed}, {"action": "masquer", "post": typed, "reason": "x"}):
        assert client.post(f"/echanges/{space.slug}/moderation/", data).status_code in (302, 404)
    assert client.post("/admin/messages/signalements/", {"report": typed, "action": "dismiss"}).status_code == 404


# --- Moderators' forum queues (reasons and ids typed or tampered with) ----------------------


@pytest.fixture
def queued_post(writer):
    from forums.models import Post
    from tests.factories.forums import SpaceFactory, make_thread

    thread = make_thread(space=SpaceFactory(slug="espace-moderation-fuzz"), author=writer)
    return Post.objects.filter(thread=thread).select_related("thread__space").earliest("pk")


@FUZZ
@example(data={"action": "masquer", "post": "abc", "reason": "x"}, where="admin")
@example(data={"action": "masquer", "post": "<ami>", "reason": "spam\x00"}, where="space")  # NUL: PostgreSQL
@example(data={"reason": "é" * 400}, where="admin")  # too long for its column: 400, whatever the row
@example(data={"action": "masquer", "post": "<ami>", "reason": ["x", " " * 290 + "y" * 11]}, where="space")
@given(data=fields("reason", "x", ids=("action", "flag", "post")), where=st.sampled_from(["admin", "space"]))
def test_forum_moderation_queues_never_fail(client, moderator, queued_post, data, where):
    from forums.models import Post

    post = queued_post
    data = resolve(data, ami=post.pk, moi=post.pk, inconnu=0)
    client.force_login(moderator)
    space = post.thread.space
    url = "/admin/echanges/moderation/" if where == "admin" else f"/echanges/{space.slug}/moderation/"
    response = client.post(url, data)
    # A reason longer than its 300-character column is refused whatever the row (400, never cut); NULs dropped.
    reason = data.get("reason", "")
    reason = (reason[-1] if reason else "") if isinstance(reason, list) else reason  # QueryDict.get: the last
    too_long = len(str(reason).replace("\x00", "").strip()) > 300
    assert response.status_code == 400 if too_long else response.status_code in (302, 404), response.status_code
    assert_french_messages(response)
    post.refresh_from_db()
    assert "\x00" not in post.hidden_reason
    Post.objects.filter(pk=post.pk).update(is_hidden=False, hidden_reason="", needs_approval=False)
