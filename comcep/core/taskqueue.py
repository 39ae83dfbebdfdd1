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
from datetime import timedelta

from django.db import connections, router, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

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
        enqueue_row(task, *args, using=using)
        return

    def enqueue():
        try:
            task.enqueue(*args)
        except Exception:  # noqa: BLE001 - the action is committed: log, never a 500
            logger.exception("could not queue %s%r", task.module_path, args)

    transaction.on_commit(enqueue, using=using)


def enqueue_row(task, *args, using: str = "default"):
    """``task.enqueue(*args)`` for the database queue, with the task row's ``INSERT`` compiled once
    per process (``comcep.core.prepared.PreparedInsert``). The same row (the backend's id, the
    normalised arguments, priority, queue, ``run_after``, ``enqueued_at``), validation and signals
    (the row's ``pre_save``/``post_save`` as ``Model.save`` sends them, then ``task_enqueued``), without
    the ORM building the ``INSERT`` on every call inside the caller's transaction (on SQLite, while it
    holds the database's write lock). Returns the task result, as ``enqueue`` does."""
    backend, row = _new_row(task, args, using)
    _task_insert().execute(row, using=using)
    return _row_written(backend, row, using)


def enqueue_many(task, arg_tuples, *, using: str = "default") -> int:
    """``enqueue_row`` for each argument tuple of ``arg_tuples``, with one ``INSERT`` per batch of rows
    (``bulk_create``) instead of one per task: the same rows, validation and signals. For a caller that
    queues many tasks at once (a recovery sweep), whose statements must not grow with their number.
    Other backends: each queued after the commit (``enqueue_after_commit``). Returns how many were queued."""
    arg_tuples = [tuple(args) for args in arg_tuples]
    if not in_database_queue(task, using):
        for args in arg_tuples:
            enqueue_after_commit(task, *args, using=using)
        return len(arg_tuples)
    from django_tasks_db.models import DBTaskResult

    built = [_new_row(task, args, using) for args in arg_tuples]
    with transaction.mark_for_rollback_on_error(using=using):
        DBTaskResult.objects.using(using).bulk_create([row for _backend, row in built])
    for backend, row in built:
        _row_written(backend, row, using)
    return len(built)


def _new_row(task, args: tuple, using: str):
    """The task row django-tasks-db's own ``enqueue`` would save (the backend's id, the normalised
    arguments, priority, queue, ``run_after``), validated, with the ``pre_save`` that ``Model.save``
    sends before its ``INSERT`` (django-tasks-db's receiver sets ``run_after`` for a task without one)."""
    from django_tasks_db.compat import normalize_json
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    backend.validate_task(task)
    row = DBTaskResult(
        id=backend._get_id(),  # the backend's id function (django-tasks-db's own enqueue calls it too)
        args_kwargs=normalize_json({"args": args, "kwargs": {}}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after,
        backend_name=backend.alias,
    )
    pre_save.send(sender=DBTaskResult, instance=row, raw=False, using=using, update_fields=None)
    return backend, row


def _row_written(backend, row, using: str):
    """What follows ``Model.save``'s ``INSERT`` of ``row`` (its state, ``post_save``), then django-tasks-db's
    ``task_enqueued``; the task result, as ``enqueue`` returns it."""
    from django_tasks_db.compat import task_enqueued

    row._state.adding, row._state.db = False, using
    post_save.send(sender=type(row), instance=row, created=True, update_fields=None, raw=False, using=using)
    result = row.task_result
    task_enqueued.send(type(backend), task_result=result)
    return result


def enqueue_unless_pending(task, *args, using: str = "default", delay: float = 0) -> bool:
    """Queue ``task(*args)`` to run after the current transaction commits, unless an identical task is
    queued and not started yet (it will read what this transaction writes). ``delay`` (seconds, database
    queue only): the task runs at the earliest that long from now, so that the changes within it find it
    waiting and share it (a busy thread's announcements and reindex); a waiting task coalesces whether it
    is due yet or not. ``pending`` and
    ``enqueue_row`` in **one** statement for the database queue, an ``INSERT … SELECT … WHERE NOT
    EXISTS (<pending's query>)``. On PostgreSQL inside a transaction the pending row found is locked
    (``FOR UPDATE`` in the sub-select) until the transaction ends, so the worker cannot claim it in
    between, as with ``pending``; if a worker holds it (claiming it), the statement waits, sees it
    started, and inserts. On SQLite a transaction holds the write lock from BEGIN, which a claim needs.
    Signals as ``enqueue_row`` (``post_save`` and ``task_enqueued`` only for a row written).
    Other backends: queued after the commit every time. Returns whether a task was queued."""
    alias = _database_backend(task)
    if alias != using:
        enqueue_after_commit(task, *args, using=using)
        return True
    if delay:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    backend, row = _new_row(task, args, using)
    connection = transaction.get_connection(using)
    for_update = connection.in_atomic_block and connection.features.has_select_for_update
    insert, values = _task_insert()._statement(row, using)
    sql = _once_statement(using, task.module_path, for_update, insert)
    pending_sql, pending_params, slot = _pending_statement(using, task.module_path, for_update)
    pending_params = list(pending_params)
    pending_params[slot] = _json_param(row.args_kwargs, connection)
    with transaction.mark_for_rollback_on_error(using=using), connection.cursor() as cursor:
        cursor.execute(sql, [*values, *pending_params])
        written = cursor.rowcount == 1
    if written:
        _row_written(backend, row, using)
    return written


_ONCE: dict[tuple, str] = {}


def _once_statement(alias: str, task_path: str, for_update: bool, insert: str) -> str:
    """``INSERT INTO t (cols) VALUES (%s, …)`` turned into ``INSERT INTO t (cols) SELECT %s, … WHERE NOT
    EXISTS (<pending's query>)``, once per (alias, task, locking). PostgreSQL types the select list's
    parameters from their values, not from the target columns: each is cast to its column's type."""
    key = (alias, task_path, for_update)
    sql = _ONCE.get(key)
    if sql is None:
        head, marker, values = insert.partition(" VALUES (")
        if not marker or not values.endswith(")") or values[:-1].count("%s") != values.count("%s"):
            raise RuntimeError("taskqueue.enqueue_unless_pending: unexpected INSERT")
        placeholders = values[:-1].split(", ")
        connection = connections[alias]
        _sql, fields = _task_insert()._shape(alias)
        if len(placeholders) != len(fields) or any(p != "%s" for p in placeholders):
            raise RuntimeError("taskqueue.enqueue_unless_pending: unexpected INSERT")
        if connection.vendor == "postgresql":
            placeholders = [f"CAST(%s AS {field.cast_db_type(connection)})" for field in fields]
        pending_sql = _pending_statement(alias, task_path, for_update)[0]
        sql = _ONCE[key] = f"{head} SELECT {', '.join(placeholders)} WHERE NOT EXISTS ({pending_sql})"
    return sql


_TASK_INSERT = None
_PENDING: dict[tuple, tuple[str, list, int]] = {}
_PENDING_MARKERS = ("\x1fpending-0\x1f", "\x1fpending-1\x1f")


def _task_insert():
    global _TASK_INSERT
    if _TASK_INSERT is None:
        from django_tasks_db.models import DBTaskResult

        from .prepared import PreparedInsert

        _TASK_INSERT = PreparedInsert("core.task_row", DBTaskResult)
    return _TASK_INSERT


def _json_param(value, connection):
    """What the ORM passes for ``args_kwargs=value`` (JSONField exact lookup)."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult._meta.get_field("args_kwargs").get_db_prep_value(value, connection, prepared=True)


def _pending_queryset(alias: str, task_path: str, args_kwargs, for_update: bool):
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    # The status written as a literal: the index comcep_task_pending (migration core/0003) holds only READY
    # rows, and a database can use a partial index only where the query's condition implies the index's
    # (a parameter, e.g. in PostgreSQL's generic plan of the prepared statement, does not).
    quote = connections[alias].ops.quote_name
    ready = f"{quote(DBTaskResult._meta.db_table)}.{quote('status')} = '{TaskResultStatus.READY.value}'"
    # No order: any identical READY row will read the change (the one locked on PostgreSQL cannot be claimed
    # before the commit), and the queue's order made SQLite prefer the queue's own index over this one.
    found = (DBTaskResult.objects.using(alias).filter(task_path=task_path, args_kwargs=args_kwargs)
             .extra(where=[ready]).order_by())  # noqa: S610 - model names and a constant only
    if for_update:
        found = found.select_for_update()
    return found.values_list("pk", flat=True)[:1]


def _pending_statement(alias: str, task_path: str, for_update: bool) -> tuple[str, list, int]:
    """The SQL of ``pending``'s query, compiled once per (alias, task, locking): built with two
    marker arguments, it must differ only in the position of the JSON of the arguments."""
    key = (alias, task_path, for_update)
    statement = _PENDING.get(key)
    if statement is None:
        connection = transaction.get_connection(alias)
        compiled = []
        for marker in _PENDING_MARKERS:
            value = {"args": [marker], "kwargs": {}}
            sql, params = _pending_queryset(alias, task_path, value, for_update).query.get_compiler(alias).as_sql()
            compiled.append((sql, list(params), _json_param(value, connection)))
        (sql, params, json_a), (sql_b, params_b, json_b) = compiled
        slots = [i for i, (a, b) in enumerate(zip(params, params_b, strict=False)) if not _same_param(a, b)]
        if (sql != sql_b or len(params) != len(params_b) or len(slots) != 1
                or not _same_param(params[slots[0]], json_a) or not _same_param(params_b[slots[0]], json_b)):
            raise RuntimeError(f"taskqueue.pending: the query for {task_path} cannot be prepared")
        statement = _PENDING[key] = (sql, params, slots[0])
    return statement


def _same_param(a, b) -> bool:
    # psycopg's Jsonb wraps the value in .obj; SQLite gets the JSON text.
    return type(a) is type(b) and getattr(a, "obj", a) == getattr(b, "obj", b)


def pending(task, *args) -> bool:
    """Whether ``task(*args)`` is in the database queue and not started yet (False for any other
    backend). Inside a transaction on PostgreSQL the row found is locked until the transaction
    ends, so the worker cannot claim it in between (it skips locked rows). The query's SQL is
    compiled once per process and task (``_pending_statement``): it runs inside the caller's
    transaction."""
    alias = _database_backend(task)
    if alias is None:
        return False
    from django_tasks_db.compat import normalize_json

    connection = transaction.get_connection(alias)
    for_update = connection.in_atomic_block and connection.features.has_select_for_update
    sql, prepared, slot = _pending_statement(alias, task.module_path, for_update)
    params = list(prepared)
    params[slot] = _json_param(normalize_json({"args": list(args), "kwargs": {}}), connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None
