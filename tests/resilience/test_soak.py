"""Soak: a mixed read/write load against the real stack on loopback (gunicorn with
deploy/gunicorn.conf.py, two workers, plus a `db_worker` running the notification and search
tasks), bounded in time AND in requests. It must end with zero 5xx responses, every accepted reply
(302) stored exactly once, nothing stored that was not accepted, counters equal to a recount and
the task queue drained without failure.

CI runs it briefly (SOAK_SECONDS, default 20 s; SOAK_MAX_REQUESTS, default 3000); a longer run:
    SOAK_SECONDS=600 SOAK_CLIENTS=8 DJANGO_SETTINGS_MODULE=comcep.settings.test \
        .venv/bin/pytest tests/resilience/test_soak.py -p no:cacheprovider
"""

import collections
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connections
from django.db.models import Count, Q
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from forums import services
from forums.models import Post, Space, Thread
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory

from .conftest import run_worker, stop, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "20"))
SOAK_MAX_REQUESTS = int(os.environ.get("SOAK_MAX_REQUESTS", "3000"))
SOAK_CLIENTS = int(os.environ.get("SOAK_CLIENTS", "4"))
MARK = "soak-"


def test_mixed_load_no_5xx_and_every_accepted_post_stored_once(gunicorn_server, tmp_path, settings):
    settings.FORUMS_NEW_MEMBER_DAYS = 0
    settings.FORUMS_POST_RATE = "100000/1m"
    server = gunicorn_server
    space = SpaceFactory(slug="endurance", title="Endurance")
    author = UserFactory()
    threads = [services.create_thread(space=space, author=author, title=f"Sujet d'endurance {i} : la VAE",
                                      body=f"Question {i} sur la recevabilité et l'entretien avec le jury.")
               for i in range(3)]
    members = [UserFactory() for _ in range(SOAK_CLIENTS)]
    reads = ["/", "/echanges/", f"/echanges/{space.slug}/", "/recherche/?q=entretien+jury",
             "/recherche/api/?q=recevabilite", "/ressources/", "/agenda/", "/actualites/"]
    reads += [t.get_absolute_url() for t in threads]
    worker = run_worker(tmp_path)

    statuses: collections.Counter = collections.Counter()
    accepted: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()
    budget = [SOAK_MAX_REQUESTS]
    deadline = time.monotonic() + SOAK_SECONDS

    def take() -> bool:
        with lock:
            budget[0] -= 1
            return budget[0] >= 0 and time.monotonic() < deadline

    def client(index: int, member) -> None:
        try:
            load(index, member)
        finally:
            connections.close_all()  # this thread's own connection (the session login), not leaked

    def load(index: int, member) -> None:
        rng = random.Random(index)
        http = server.session_for(member)
        tokens = {t.pk: server.csrf(http, t.get_absolute_url()) for t in threads}
        n = 0
        while take():
            try:
                if rng.random() < 0.25:
                    thread = rng.choice(threads)
                    n += 1
                    body = f"{MARK}{index}-{n} : retour d'expérience sur l'entretien de recevabilité."
                    response = http.post(f"{server.base}/echanges/sujet/{thread.pk}/repondre/",
                                         data={"csrfmiddlewaretoken": tokens[thread.pk], "body": body},
                                         headers={"Referer": server.base + thread.get_absolute_url()},
                                         allow_redirects=False, timeout=60)
                    with lock:
                        statuses[("POST", response.status_code)] += 1
                        if response.status_code == 302:
                            accepted.append(body)
                        else:
                            failures.append(f"POST {response.status_code}: {response.text[:300]}")
                else:
                    path = rng.choice(reads)
                    response = http.get(server.base + path, timeout=60)
                    with lock:
                        statuses[("GET", response.status_code)] += 1
                        if response.status_code != 200:
                            failures.append(f"GET {path} {response.status_code}")
            except requests.RequestException as exc:
                with lock:
                    failures.append(f"{type(exc).__name__}: {exc}")

    try:
        with ThreadPoolExecutor(SOAK_CLIENTS) as pool:
            list(pool.map(client, range(SOAK_CLIENTS), members))
        total = sum(statuses.values())
        assert total > 20, statuses
        assert not [s for (_, s) in statuses if s >= 500], statuses
        assert not failures, (failures[:10], statuses)

        # Every accepted post stored exactly once; nothing stored that was not accepted.
        stored = collections.Counter(Post.objects.filter(body__startswith=MARK).values_list("body", flat=True))
        assert len(accepted) == len(set(accepted)) > 0
        assert stored == collections.Counter(accepted)
        for thread in Thread.objects.filter(space=space).annotate(
                n=Count("posts", filter=Q(posts__is_hidden=False, posts__is_deleted=False,
                                          posts__needs_approval=False))):
            assert thread.post_count == thread.n
        space = Space.objects.get(pk=space.pk)
        assert space.post_count == Post.objects.filter(thread__space=space).public().count() == 3 + len(accepted)

        # The background work the load produced (search reindexing, notification e-mails) drains.
        def drained():
            pending = [TaskResultStatus.READY, TaskResultStatus.RUNNING]
            return not DBTaskResult.objects.filter(status__in=pending).exists()

        wait_for(drained, 180, "the task queue to drain", interval=0.5)
        assert not DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).exists(), list(
            DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).values_list("task_path", "traceback")[:3])
        print(f"soak: {total} requests in {SOAK_SECONDS:g} s max, {len(accepted)} replies; {dict(statuses)}; "
              f"{DBTaskResult.objects.count()} tasks run")
    finally:
        stop(worker)
