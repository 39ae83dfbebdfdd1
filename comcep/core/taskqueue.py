"""Queue a task that must run after the current transaction commits, and only if it commits.

With the database queue (``django_tasks_db.DatabaseBackend``, production and the benchmark) on the
database of the transaction, the task row is written **inside** the transaction (a transactional
outbox): the worker cannot see the row before the commit, so the task still runs after it, and a
rolled-back transaction leaves no task. What it saves: the write transaction of each enqueue after
the commit (on SQLite the database's write lock taken once more per task, on PostgreSQL a commit,
i.e. a WAL flush, per task). Any other backend (the immediate backend of development and tests, an
external broker) gets the task on commit, as ``transaction.on_commit`` always did.

``pending(task, *args)`` tells whether an identical task is queued and not yet started: a task
that has not started has not read anything yet, so it will see what the current transaction
writes (the row is locked against a concurrent claim until the transaction ends on PostgreSQL;
on SQLite a transaction holds the write lock from BEGIN, which a claim needs).
"""

from __future__ import annotations

import logging

from django.db import router, transaction

logger = logging.getLogger(__name__)


def _database_backend(task):
    """The database queue's alias when ``task`` goes to it, else None."""
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - django-tasks-db is in requirements.txt
        return None
    if not isinstance(task.get_backend(), DatabaseBackend):
        return None
    return router.db_for_write(DBTaskResult)


def in_database_queue(task, using: str = "default") -> bool:
    """True when ``task`` goes to the database queue on the database ``using``: enqueueing it
    writes a row in the current transaction if one is open (else at once, in autocommit)."""
    return _database_backend(task) == using


def enqueue_after_commit(task, *args, using: str = "default") -> None:
    """Queue ``task(*args)`` to run once the current transaction has committed (see the module).
    Outside a transaction it is queued at once."""
    if in_database_queue(task, using):
        task.enqueue(*args)
        return

    def enqueue():
        try:
            task.enqueue(*args)
        except Exception:  # noqa: BLE001 - the action is committed: log, never a 500
            logger.exception("could not queue %s%r", task.module_path, args)

    transaction.on_commit(enqueue, using=using)


def pending(task, *args) -> bool:
    """Whether ``task(*args)`` is in the database queue and not started yet (False for any other
    backend). Inside a transaction on PostgreSQL the row found is locked until the transaction
    ends, so the worker cannot claim it in between (it skips locked rows)."""
    alias = _database_backend(task)
    if alias is None:
        return False
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.compat import normalize_json
    from django_tasks_db.models import DBTaskResult

    found = (DBTaskResult.objects.using(alias)
             .filter(status=TaskResultStatus.READY, task_path=task.module_path,
                     args_kwargs=normalize_json({"args": list(args), "kwargs": {}})))
    if transaction.get_connection(alias).in_atomic_block:
        found = found.select_for_update()
    return bool(list(found.values_list("pk", flat=True)[:1]))
