"""Every moderation action, from the front end, writes a log entry with who, when and why,
and keeps the counters exact."""

import pytest
from django.utils import timezone

from comcep.notifications.models import Notification
from forums import services
from forums.enums import ModerationAction
from forums.models import Flag, ModerationLog
from tests.factories.forums import SpaceFactory, make_thread

from .test_posting import assert_counters_match_rows

pytestmark = pytest.mark.django_db


def last_log():
    return ModerationLog.objects.order_by("-pk").first()


@pytest.mark.parametrize(("action", "field", "value", "logged"), [
    ("verrouiller", "is_locked", True, ModerationAction.LOCK_THREAD),
    ("epingler", "is_pinned", True, ModerationAction.PIN_THREAD),
    ("masquer", "is_hidden", True, ModerationAction.HIDE_THREAD),
])
def test_thread_actions_from_the_front_end(client, moderator, space, action, field, value, logged):
    thread = make_thread(space=space, replies=1)
    client.force_login(moderator)
    before = timezone.now()
    response = client.post(f"/echanges/sujet/{thread.pk}/moderer/", {"action": action, "reason": "Motif précis"})
    assert response.status_code == 302
    thread.refresh_from_db()
    assert getattr(thread, field) is value
    entry = last_log()
    assert (entry.action, entry.actor, entry.thread, entry.reason) == (logged, moderator, thread, "Motif précis")
    assert entry.created_at >= before
    assert_counters_match_rows(space)


@pytest.mark.parametrize(("first", "undo", "field", "logged"), [
    ("verrouiller", "deverrouiller", "is_locked", ModerationAction.UNLOCK_THREAD),
    ("epingler", "desepingler", "is_pinned", ModerationAction.UNPIN_THREAD),
    ("masquer", "retablir", "is_hidden", ModerationAction.RESTORE_THREAD),
])
def test_thread_actions_are_reversible(client, moderator, space, first, undo, field, logged):
    thread = make_thread(space=space)
    client.force_login(moderator)
    client.post(f"/echanges/sujet/{thread.pk}/moderer/", {"action": first})
    client.post(f"/echanges/sujet/{thread.pk}/moderer/", {"action": undo, "reason": "Erreur"})
    thread.refresh_from_db()
    assert getattr(thread, field) is False
    assert last_log().action == logged
    assert_counters_match_rows(space)


def test_move_fixes_the_counters_of_both_spaces(client, moderator, space):
    other = SpaceFactory(slug="cpf", title="CPF")
    thread = make_thread(space=space, replies=3)
    make_thread(space=space, replies=1)
    client.force_login(moderator)
    response = client.post(f"/echanges/sujet/{thread.pk}/moderer/",
                           {"action": "deplacer", "space": other.pk, "reason": "Sujet CPF"})
    assert response.status_code == 302
    space.refresh_from_db()
    other.refresh_from_db()
    assert (space.thread_count, space.post_count) == (1, 2)
    assert (other.thread_count, other.post_count) == (1, 4)
    assert last_log().action == ModerationAction.MOVE_THREAD and "CPF" in last_log().target
    assert_counters_match_rows(space, other)


def test_hide_and_restore_post_with_reason(client, moderator, other_member, space,
                                           django_capture_on_commit_callbacks):
    thread = make_thread(space=space, replies=2, repliers=[other_member])
    post = thread.posts.last()
    Flag.objects.create(post=post, reporter=moderator, reason="abuse")
    client.force_login(moderator)
    assert client.get(f"/echanges/message/{post.pk}/masquer/").status_code == 200
    response = client.post(f"/echanges/message/{post.pk}/masquer/", {"reason": ""})
    assert response.status_code == 400 and "Indiquez le motif" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/echanges/message/{post.pk}/masquer/", {"reason": "Propos déplacés"})
    post.refresh_from_db()
    assert post.is_hidden and post.hidden_reason == "Propos déplacés"
    assert last_log().action == ModerationAction.HIDE_POST and last_log().reason == "Propos déplacés"
    assert not Flag.objects.filter(status="open").exists()
    assert Notification.objects.filter(recipient=other_member, kind="moderation").exists()
    thread.refresh_from_db()
    assert thread.post_count == 2
    assert_counters_match_rows(space)
    client.post(f"/echanges/message/{post.pk}/retablir/", {"reason": "Après relecture"})
    post.refresh_from_db()
    assert not post.is_hidden
    assert last_log().action == ModerationAction.RESTORE_POST
    assert_counters_match_rows(space)


def test_hiding_the_last_post_moves_last_post_back(moderator, space):
    thread = make_thread(space=space, replies=2)
    posts = list(thread.posts.order_by("created_at", "pk"))
    services.hide_post(post=posts[-1], moderator=moderator, reason="x")
    thread.refresh_from_db()
    space.refresh_from_db()
    assert thread.last_post == posts[-2] and space.last_post == posts[-2]


def test_approve_and_reject_from_the_front_end(client, moderator, space, settings):
    settings.FORUMS_MAX_LINKS_BEFORE_REVIEW = 0
    thread = make_thread(space=space)
    author = thread.author
    a = services.add_reply(thread=thread, author=author, body="https://a.fr")
    b = services.add_reply(thread=thread, author=author, body="https://b.fr")
    assert a.needs_approval and b.needs_approval
    client.force_login(moderator)
    client.post(f"/echanges/message/{a.pk}/valider/", {"reason": ""})
    assert last_log().action == ModerationAction.APPROVE_POST
    client.post(f"/echanges/message/{b.pk}/refuser/", {"reason": "Publicité"})
    assert last_log().action == ModerationAction.REJECT_POST
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.is_public and b.is_hidden and not b.needs_approval
    assert_counters_match_rows(space)


def test_moderator_deletes_a_post_with_a_log(client, moderator, space):
    thread = make_thread(space=space, replies=1)
    post = thread.posts.last()
    client.force_login(moderator)
    client.post(f"/echanges/message/{post.pk}/supprimer/", {"reason": "Doublon"})
    assert last_log().action == ModerationAction.DELETE_POST and last_log().reason == "Doublon"
    assert_counters_match_rows(space)


def test_certify_and_uncertify(client, moderator, space):
    post = make_thread(space=space, replies=1).posts.last()
    client.force_login(moderator)
    client.post(f"/echanges/message/{post.pk}/certifier/")
    post.refresh_from_db()
    assert post.is_certified and last_log().action == ModerationAction.CERTIFY_POST
    client.post(f"/echanges/message/{post.pk}/certifier/", {"action": "retirer"})
    post.refresh_from_db()
    assert not post.is_certified and last_log().action == ModerationAction.UNCERTIFY_POST


def test_suspend_from_the_front_end(client, moderator, member):
    client.force_login(moderator)
    response = client.post(f"/echanges/membre/{member.pk}/suspendre/", {"reason": ""})
    assert response.status_code == 400 and "Indiquez le motif" in response.content.decode()
    response = client.post(f"/echanges/membre/{member.pk}/suspendre/",
                           {"reason": "Spam répété", "suspended_until": "01/01/2020 10:00"})
    assert response.status_code == 400 and "dans le futur" in response.content.decode()
    response = client.post(f"/echanges/membre/{member.pk}/suspendre/",
                           {"reason": "Spam répété", "suspended_until": "31/02/2030"})
    assert response.status_code == 400 and 'value="31/02/2030"' in response.content.decode()  # kept as typed
    client.post(f"/echanges/membre/{member.pk}/suspendre/", {"reason": "Spam répété"})
    assert last_log().action == ModerationAction.SUSPEND_MEMBER and last_log().member == member
    client.post(f"/echanges/membre/{member.pk}/suspendre/", {"action": "lever", "reason": "Fin"})
    assert last_log().action == ModerationAction.UNSUSPEND_MEMBER


def test_resolve_flag_is_logged(moderator, member, space):
    post = make_thread(space=space).posts.get()
    flag = services.flag(post=post, reporter=member, reason="off_topic")
    services.resolve_flag(flag=flag, moderator=moderator, resolution="Rien à redire")
    flag.refresh_from_db()
    assert flag.status == "resolved" and flag.resolved_by == moderator and flag.resolved_at
    assert last_log().action == ModerationAction.RESOLVE_FLAG and last_log().reason == "Rien à redire"

