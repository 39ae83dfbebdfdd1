"""Django's SQLite backend, with a queue for the write lock (docs/performance.md, "Session 7").

SQLite lets one connection write at a time. A connection that finds the write lock taken does not
queue: its busy handler sleeps and tries again, in steps of 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50
and then 100 ms, and whoever tries at the right moment gets the lock, so a waiter can miss many
short transactions in a row. Under a steady flow of writes (posting, the task worker) a reply
waited up to hundreds of milliseconds behind transactions of a few milliseconds.

Here a connection that starts a write transaction (``BEGIN IMMEDIATE`` / ``EXCLUSIVE``: every
``transaction.atomic`` block with the ``transaction_mode`` of comcep.settings.base), or writes in
autocommit, first takes an exclusive ``flock`` on a file next to the database (``<name>-writelock``)
and keeps it until its transaction ends (commit, rollback, or the connection closing). Waiters sleep
in the kernel and are woken as soon as it is released. SQLite's own lock is unchanged and still
makes every write safe: the file only orders the waiters. A connection that writes without it (the
sqlite3 shell, a checkpoint) is still waited for by SQLite's busy handler, as before.

The wait for the file is bounded by the database ``timeout`` (then "database is locked", as SQLite
would say): it is polled every 0.5 ms at most so that a wait which can never end (a thread holding
the lock while it waits for another thread that wants it) fails instead of hanging. A thread that
already holds the file through another connection to the same database does not take it again
(SQLite's busy timeout applies, as before).

WAL checkpoints. SQLite copies the WAL back into the database (and, with synchronous=NORMAL,
fsyncs it) inside the COMMIT of whichever writer finds ``wal_autocheckpoint`` pages (1 000) in the
WAL: 10-20 ms on the benchmark machine, paid by one reply. Inside the queue, every waiter would pay
it too. So a queued connection turns SQLite's automatic checkpoints off and runs a PASSIVE
checkpoint itself after every ``checkpoint_every`` (20) transactions committed by its process on
that database, once it has released the queue (a PASSIVE checkpoint blocks neither writers nor
readers; with nothing new to copy it returns at once). The WAL stays bounded by what the processes
write between two checkpoints (a reply writes ~25 pages: 3 processes x 20 x 25 = 1 500 pages at
most, SQLite's own cadence is 1 000) and durability is unchanged: commits are written to the WAL
exactly as before. (The WAL's frame counters are in the ``-shm`` file, but a process must never
open and close a file SQLite holds POSIX locks on: closing any descriptor drops them all.)

``OPTIONS["write_queue"] = False`` turns both off; ``OPTIONS["checkpoint_every"] = 0`` keeps
SQLite's automatic checkpoints with the queue. In-memory databases never use either.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base as sqlite3_base
from django.db.backends.sqlite3.base import SQLiteCursorWrapper

logger = logging.getLogger(__name__)

# Files held by the current thread: {path: count} (see the module: one thread, two connections).
_held = threading.local()

WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


def _held_paths() -> dict:
    paths = getattr(_held, "paths", None)
    if paths is None:
        paths = _held.paths = {}
    return paths


class _Commits:
    """Transactions committed by this process, per database file (counted over all its
    connections: with CONN_MAX_AGE=0 a connection lives for one request)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def checkpoint_due(self, path: str, every: int) -> bool:
        with self.lock:
            count = self.counts.get(path, 0) + 1
            self.counts[path] = 0 if count >= every else count
        return count >= every


commits = _Commits()


class WriteQueue:
    """An exclusive ``flock`` on ``path``, taken and released by one connection."""

    # Polling steps while the file is taken (seconds): short, so that a release is seen at once.
    FIRST_POLL = 0.00005
    MAX_POLL = 0.0005

    def __init__(self, database: str, timeout: float):
        self.database = database
        self.path = f"{database}-writelock"
        self.timeout = timeout
        self.fd: int | None = None
        self.held = False
        self.skipped = False  # this thread held it already through another connection

    def acquire(self) -> None:
        if self.held or self.skipped:
            return
        paths = _held_paths()
        if paths.get(self.path):
            self.skipped = True
            return
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._wait()
        self.held = True
        paths[self.path] = paths.get(self.path, 0) + 1

    def _wait(self) -> None:
        deadline = time.monotonic() + self.timeout
        pause = self.FIRST_POLL
        while True:
            time.sleep(pause)
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OperationalError("database is locked") from None
                pause = min(pause * 2, self.MAX_POLL)

    def release(self) -> None:
        if self.skipped:
            self.skipped = False
            return
        if not self.held:
            return
        self.held = False
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        paths = _held_paths()
        paths[self.path] -= 1
        if not paths[self.path]:
            del paths[self.path]

    def close(self) -> None:
        self.release()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class CursorWrapper(SQLiteCursorWrapper):
    """Takes the write queue for a write statement run in autocommit (its own transaction)."""

    def execute(self, query, params=None):
        queue = self.queue
        if queue is None or queue.held or self.connection.in_transaction or not _is_write(query):
            return super().execute(query, params)
        queue.acquire()
        try:
            return super().execute(query, params)
        finally:
            self._after_autocommit_write()

    def executemany(self, query, param_list):
        queue = self.queue
        if queue is None or queue.held or self.connection.in_transaction or not _is_write(query):
            return super().executemany(query, param_list)
        queue.acquire()
        try:
            return super().executemany(query, param_list)
        finally:
            self._after_autocommit_write()

    def _after_autocommit_write(self):
        if not self.connection.in_transaction:
            self.queue.release()
            self.wrapper._wrote()


def _is_write(query: str) -> bool:
    return query.lstrip()[:7].upper().startswith(WRITE_STATEMENTS)


class DatabaseWrapper(sqlite3_base.DatabaseWrapper):
    write_queue: WriteQueue | None = None
    checkpoint_every = 0

    def get_connection_params(self):
        params = super().get_connection_params()
        enabled = params.pop("write_queue", True)
        every = params.pop("checkpoint_every", 20)
        self._write_queue_wanted = bool(enabled) and not self.is_in_memory_db()
        self._checkpoint_every = int(every) if self._write_queue_wanted else 0
        self._write_queue_timeout = params.get("timeout", 5)
        return params

    def get_new_connection(self, conn_params):
        conn = super().get_new_connection(conn_params)
        if getattr(self, "_write_queue_wanted", False):
            self.write_queue = WriteQueue(conn_params["database"], self._write_queue_timeout)
            self.checkpoint_every = self._checkpoint_every
            if self.checkpoint_every:
                conn.execute("PRAGMA wal_autocheckpoint = 0")
        return conn

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=CursorWrapper)
        cursor.queue = self.write_queue
        cursor.wrapper = self
        return cursor

    def _start_transaction_under_autocommit(self):
        queue = self.write_queue
        if queue is None or self.transaction_mode not in ("IMMEDIATE", "EXCLUSIVE"):
            return super()._start_transaction_under_autocommit()
        queue.acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_queue()
            raise

    def _release_write_queue(self) -> None:
        """Release the queue once SQLite's transaction is over."""
        queue = self.write_queue
        if queue is not None and not (self.connection is not None and self.connection.in_transaction):
            queue.release()

    def _commit(self):
        ended = self.connection is not None and self.connection.in_transaction
        try:
            result = super()._commit()
        except BaseException:
            self._release_write_queue()
            raise
        self._release_write_queue()
        if ended:
            self._wrote()
        return result

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_queue()

    def _wrote(self):
        """A transaction of this connection committed and the queue is released: a PASSIVE
        checkpoint every ``checkpoint_every`` of them in this process (see the module)."""
        queue = self.write_queue
        if not self.checkpoint_every or queue is None or not commits.checkpoint_due(queue.path, self.checkpoint_every):
            return
        try:
            self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:  # the commit is done; the next checkpoint copies what this one did not
            logger.debug("WAL checkpoint failed", exc_info=True)

    def _close(self):
        try:
            return super()._close()
        finally:
            if self.write_queue is not None:
                self.write_queue.close()
                self.write_queue = None
