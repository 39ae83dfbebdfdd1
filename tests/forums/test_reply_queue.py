"""Posting a reply with the database task queue (production, the benchmark): the tasks are written
in the reply's transaction, a thread has at most one reindex waiting, and what the worker then
writes is the exact entry of the thread (docs/performance.md, "Session 5: posting a reply")."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import override_settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from forums import search as forum_search
from forums import services
from forums.models import Post, Thread
from search import services as search_services
from search.models import SearchEntry
from tests.factories import UserFactory
from tests.factories.forums import make_thread

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class Rollback(Exception):
    pass


def _tasks(name):
    return list(DBTaskResult.objects.filter(task_path__endswith=name).order_by("enqueued_at"))


def _run(task_row):
    """What db_worker does with one task: claim, run, mark successful."""
    task_row.claim("test")
    result = task_row.task_result
    task_row.task.call(*result.args, **result.kwargs)
    task_row.set_successful(None)


@pytest.fixture
def thread(space, member):
    return make_thread(space=space, author=member, title="Financement d'une VAE", replies=2)


@pytest.mark.django_db
def test_the_tasks_of_a_reply_are_written_in_its_transaction(thread, other_member):
    with override_settings(TASKS=DB_TASKS), pytest.raises(Rollback), transaction.atomic():
        post = services.add_reply(thread=thread, author=other_member, body="Voici notre démarche.")
        # Inside the transaction: both rows exist (the worker sees them with the post, at the commit).
        assert [t.task_result.args for t in _tasks("announce_thread")] == [[thread.pk]]
        assert Post.objects.get(pk=post.pk).announce_pending is True
        assert len(_tasks("reindex_source")) == 1
        raise Rollback
    # Rolled back with the reply: no task announces a post that does not exist.
    assert not Post.objects.filter(body="Voici notre démarche.").exists()
    assert _tasks("announce_thread") == [] and _tasks("reindex_source") == []


@pytest.mark.django_db
def test_a_thread_has_at_most_one_reindex_and_one_announcement_waiting(thread, other_member):
    ct = ContentType.objects.get_for_model(Thread)
    with override_settings(TASKS=DB_TASKS):
        for n in range(3):
            services.add_reply(thread=thread, author=other_member, body=f"Réponse rapide {n}")
        waiting = _tasks("reindex_source")
        assert [t.task_result.args for t in waiting] == [[ct.pk, str(thread.pk)]]
        # One announcement waiting for the thread too: it will announce the three posts.
        assert [t.task_result.args for t in _tasks("announce_thread")] == [[thread.pk]]
        assert Post.objects.filter(author=other_member, announce_pending=True).count() == 3
        # Once the worker has claimed it (it may have read the thread already), a new reply queues another.
        waiting[0].claim("test")
        services.add_reply(thread=thread, author=other_member, body="Réponse pendant la réindexation")
        assert [t.status for t in _tasks("reindex_source")] == [TaskResultStatus.RUNNING, TaskResultStatus.READY]
        # Another thread has its own.
        other = make_thread(space=thread.space, title="Autre question")
        services.add_reply(thread=other, author=other_member, body="Réponse ailleurs")
        assert DBTaskResult.objects.filter(task_path__endswith="reindex_source",
                                           status=TaskResultStatus.READY).count() == 2


@pytest.mark.django_db
def test_the_worker_writes_the_exact_entry_of_the_thread(thread, other_member):
    with override_settings(TASKS=DB_TASKS):
        for n, text in enumerate(["Le **financement** passe par le CPF.", "Et la reconversion ?",
                                  "Voir l'accompagnement de l'employeur."]):
            services.add_reply(thread=thread, author=other_member, body=f"{text} ({n})")
            for task_row in DBTaskResult.objects.filter(status=TaskResultStatus.READY).order_by("enqueued_at"):
                _run(task_row)
    thread = Thread.objects.select_related("space").get(pk=thread.pk)
    entry = SearchEntry.objects.get(source_id=str(thread.pk), kind="thread")
    expected = search_services.entry_values(forum_search.ThreadIndexer().entry(thread))
    assert {name: getattr(entry, name) for name in expected} == expected
    assert "accompagn" in entry.stems and "reconvers" in entry.stems


@pytest.mark.django_db
def test_a_long_discussion_is_read_in_batches_with_the_same_entry_as_a_rebuild(space, member):
    thread = make_thread(space=space, author=member, title="Une très longue discussion")
    authors = [UserFactory() for _ in range(3)]
    paragraph = "Nous accompagnons la reconversion des salariés avec un plan d'action partagé. " * 8
    Post.objects.bulk_create([
        Post(thread=thread, author=authors[i % 3], body=f"{paragraph} {i}", html=f"<p>{paragraph} n°{i}</p>",
             created_at=thread.created_at + timedelta(seconds=i + 1),
             useful_count=i % 4, is_hidden=i % 17 == 0)
        for i in range(260)
    ])
    indexer = forum_search.ThreadIndexer()
    by_task = indexer.entry(Thread.objects.select_related("space").get(pk=thread.pk))
    by_rebuild = next(t for t in indexer.all_objects() if t.pk == thread.pk)
    assert indexer.entry(by_rebuild) == by_task
    assert len(by_task.body) == forum_search.BODY_LIMIT
    assert by_task.useful_count == sum(i % 4 for i in range(260) if i % 17)
    # A short thread (one batch) too.
    short = make_thread(space=space, author=member, title="Courte", replies=3)
    assert indexer.entry(next(t for t in indexer.all_objects() if t.pk == short.pk)) == indexer.entry(
        Thread.objects.select_related("space").get(pk=short.pk))
