"""Django's SQLite backend, with a queue for the write lock (docs/performance.md, "Session 7").

SQLite lets one connection write at a time. A connection that finds the write lock taken does not
queue: its busy handler sleeps and tries again, in steps of 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50
and then 100 ms, and whoever tries at the right moment gets the lock, so a waiter can miss many
short transactions in a row. Under a steady flow of writes (posting, the task worker) a reply
waited up to hundreds of milliseconds behind transactions of a few milliseconds.

Here a connection that starts a write transaction (``BEGIN IMMEDIATE`` / ``EXCLUSIVE``: every
``transaction.atomic`` block with the ``transaction_mode`` of comcep.settings.base), or writes in
autocommit, first takes an exclusive ``flock`` on a file next to the database (``<name>-writelock``)
and keeps it until its transaction ends (commit, rollback, or the connection closing). Waiters try
it every 0.05-0.5 ms, so they see its release within half a millisecond (the busy handler: up to
100 ms). SQLite's own lock is unchanged and still makes every write safe: the file only orders
the waiters. A connection that writes without it (the sqlite3 shell, a checkpoint) is still waited
for by SQLite's busy handler, as before.

The wait for the file is bounded by the database ``timeout`` (then "database is locked", as SQLite
would say): it is polled every 0.5 ms at most so that a wait which can never end (a thread holding
the lock while it waits for another thread that wants it) fails instead of hanging. A thread that
already holds the file through another connection to the same database does not take it again
(SQLite's busy timeout applies, as before).

WAL checkpoints stay SQLite's: the writer whose commit finds 1 000 pages in the WAL copies them
into the database inside its COMMIT (10-20 ms on the benchmark machine), i.e. while it holds the
queue. Checkpointing after the release instead (every N commits of a process) was measured and not
kept: the WAL grew to 36-43 MB in 8 s of posting instead of ~6 MB (docs/performance.md, "Session 7").

A lock taken by ``flock`` belongs to the open file, which a forked child shares: a connection
opened before ``fork`` and used in both processes (never done here: gunicorn does not preload, and
sharing a SQLite connection across a fork is unsafe anyway) would lose the ordering, not the safety.

``OPTIONS["write_queue"] = False`` turns the queue off. In-memory databases never use it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
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
        self.disabled = False  # the lock file cannot be opened

    def acquire(self) -> None:
        if self.held or self.skipped or self.disabled:
            return
        paths = _held_paths()
        if paths.get(self.path):
            self.skipped = True
            return
        if self.fd is None:
            self.fd = self._open()
            if self.fd is None:  # cannot be opened: SQLite's busy handler alone, as before
                self.disabled = True
                return
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._wait()
        self.held = True
        paths[self.path] = paths.get(self.path, 0) + 1

    def _open(self) -> int | None:
        """The lock file, created with the database file's permissions and owner (as SQLite creates
        its -wal and -shm files), opened read-only: ``flock`` needs no more, so a file created by
        another user (a management command run as root) can be used by the site's user."""
        try:
            database = os.stat(self.database)
        except OSError:
            database = None
        mode = (database.st_mode & 0o666) if database else 0o644
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, mode)
        except OSError:
            logger.warning("SQLite write queue disabled: cannot open %s", self.path, exc_info=True)
            return None
        if database and os.geteuid() == 0 and database.st_uid != 0:
            with contextlib.suppress(OSError):
                os.fchown(fd, database.st_uid, database.st_gid)
        return fd

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


def _is_write(query: str) -> bool:
    return query.lstrip()[:7].upper().startswith(WRITE_STATEMENTS)


class DatabaseWrapper(sqlite3_base.DatabaseWrapper):
    write_queue: WriteQueue | None = None

    def get_connection_params(self):
        params = super().get_connection_params()
        enabled = params.pop("write_queue", True)
        self._write_queue_wanted = bool(enabled) and not self.is_in_memory_db()
        self._write_queue_timeout = params.get("timeout", 5)
        return params

    def get_new_connection(self, conn_params):
        conn = super().get_new_connection(conn_params)
        if getattr(self, "_write_queue_wanted", False):
            self.write_queue = WriteQueue(conn_params["database"], self._write_queue_timeout)
        return conn

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=CursorWrapper)
        cursor.queue = self.write_queue
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
        try:
            return super()._commit()
        finally:
            self._release_write_queue()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_queue()

    def _close(self):
        try:
            return super()._close()
        finally:
            if self.write_queue is not None:
                self.write_queue.close()
                self.write_queue = None
