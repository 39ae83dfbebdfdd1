"""A gunicorn worker killed (SIGKILL) in the middle of a reply, inside its database transaction:
nothing half-written, the site keeps serving, the master replaces the worker, and the member's
retry is stored exactly once (a resubmission of the same form never publishes twice)."""

import os
import signal

import pytest
from django.db.models import Q

from forums import services
from forums.models import Post, Space, Thread
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory

from .conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BODY = "Réponse envoyée pendant la panne PAUSE-DANS-LA-TRANSACTION : le délai de recevabilité est de deux mois."


def assert_counters_match_rows(thread, space):
    thread = Thread.objects.get(pk=thread.pk)
    space = Space.objects.get(pk=space.pk)
    public = Post.objects.filter(thread=thread).public()
    assert thread.post_count == public.count()
    assert thread.last_post_id == public.order_by("-created_at", "-pk").first().pk
    assert space.post_count == Post.objects.filter(thread__space=space).public().count()
    assert space.last_post_id == thread.last_post_id


def test_worker_killed_inside_the_reply_transaction(gunicorn_server, tmp_path, settings):
    settings.FORUMS_NEW_MEMBER_DAYS = 0  # as in the server's settings: no approval queue here
    server = gunicorn_server
    space = SpaceFactory(slug="panne", title="Panne")
    author, member = UserFactory(), UserFactory()
    thread = services.create_thread(space=space, author=author, title="VAE : quels délais ?", body="Question ?")
    services.add_reply(thread=thread, author=author, body="Première réponse.")
    http = server.session_for(member)
    page = thread.get_absolute_url()
    form = {"csrfmiddlewaretoken": server.csrf(http, page), "body": BODY}
    reply_url = f"{server.base}/echanges/sujet/{thread.pk}/repondre/"
    workers_before = server.workers

    # 1. The POST stops inside its transaction (after the post row and both counters were written).
    import threading

    outcome = {}

    def post():
        try:
            outcome["response"] = http.post(reply_url, data=form, headers={"Referer": server.base + page},
                                            allow_redirects=False, timeout=60)
        except Exception as exc:  # noqa: BLE001 - the connection is expected to break
            outcome["error"] = exc

    sender = threading.Thread(target=post)
    sender.start()
    flag = tmp_path / "request-paused"
    wait_for(flag.exists, 60, "the reply to pause inside its transaction")
    victim = int(wait_for(lambda: flag.read_text().strip(), 5, "the paused worker's pid"))
    assert victim in workers_before

    # 2. SIGKILL the worker: no cleanup code runs, the transaction never commits.
    os.kill(victim, signal.SIGKILL)
    sender.join(timeout=60)
    assert "response" not in outcome or outcome["response"].status_code >= 500, outcome

    # 3. Nothing half-written: no such post, counters equal to a recount.
    assert not Post.objects.filter(body__contains="PAUSE-DANS-LA-TRANSACTION").exists()
    assert_counters_match_rows(thread, space)

    # 4. The master spawned a replacement; the thread still works.
    wait_for(lambda: len(server.workers) == 2 and victim not in server.workers, 60, "a replacement worker")
    assert http.get(server.base + page, timeout=30).status_code == 200

    # 5. The member retries (same form): stored exactly once; a second resubmission changes nothing.
    for attempt in range(2):
        response = http.post(reply_url, data=form, headers={"Referer": server.base + page},
                             allow_redirects=False, timeout=60)
        assert response.status_code == 302, (attempt, response.status_code, response.text[:500])
    assert Post.objects.filter(thread=thread, author=member, body=BODY).count() == 1
    assert_counters_match_rows(thread, space)
    assert Thread.objects.get(pk=thread.pk).post_count == 3
    # The redirect leads to the stored post, whose page shows it once.
    shown = http.get(server.base + response.headers["Location"], timeout=30)
    assert shown.status_code == 200
    assert shown.text.count("le délai de recevabilité est de deux mois") == 1
    assert not Post.objects.filter(Q(is_hidden=True) | Q(needs_approval=True), thread=thread).exists()
