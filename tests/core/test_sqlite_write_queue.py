"""The SQLite backend's queue for the write lock (comcep/core/db/sqlite3/base.py).

Each test opens its own database file through the backend (never the test database), so that the
queue's file and the WAL are the test's alone. SQLite only: on PostgreSQL the backend is not used."""

import fcntl
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections, transaction

from comcep.core.db.sqlite3.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend only")

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def db_file(tmp_path):
    return tmp_path / "queue.sqlite3"


@pytest.fixture
def open_wrapper(db_file):
    """open_wrapper(alias, **options): a connection of the backend to ``db_file``, registered in
    ``connections`` for this thread (so that ``transaction.atomic(using=alias)`` works)."""
    opened = []

    def open_(alias="queue", path=None, **options):
        base = connection.settings_dict
        wrapper = DatabaseWrapper({**base, "NAME": str(path or db_file), "TEST": {},
                                   "OPTIONS": {**base["OPTIONS"], **options}}, alias=alias)
        connections[alias] = wrapper
        wrapper.ensure_connection()
        opened.append((alias, wrapper))
        return wrapper

    yield open_
    for alias, wrapper in opened:
        if wrapper._thread_ident == threading.get_ident():  # the threads close their own
            wrapper.close()
            del connections[alias]


def queue_is_free(db_file) -> bool:
    """Whether another open file description could take the queue now."""
    fd = os.open(f"{db_file}-writelock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def make_table(wrapper):
    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        cursor.execute("INSERT OR IGNORE INTO counter (id, n) VALUES (1, 0)")


@pytest.mark.django_db
def test_the_site_database_goes_through_the_queue():
    assert connection.settings_dict["ENGINE"] == "comcep.core.db.sqlite3"
    connection.ensure_connection()
    assert connection.write_queue is not None
    assert connection.write_queue.path == f"{connection.settings_dict['NAME']}-writelock"


@pytest.mark.django_db
def test_a_transaction_holds_the_queue_until_commit_rollback_or_exception(open_wrapper, db_file):
    wrapper = open_wrapper()
    make_table(wrapper)
    assert queue_is_free(db_file)
    with transaction.atomic(using="queue"):
        assert not queue_is_free(db_file)
        wrapper.cursor().execute("UPDATE counter SET n = n + 1")
        with transaction.atomic(using="queue"):  # a savepoint: still held, no deadlock
            assert not queue_is_free(db_file)
        assert not queue_is_free(db_file)
    assert queue_is_free(db_file)

    with pytest.raises(ZeroDivisionError), transaction.atomic(using="queue"):
        wrapper.cursor().execute("UPDATE counter SET n = n + 1")
        with transaction.atomic(using="queue"):
            1 / 0  # noqa: B018
    assert queue_is_free(db_file)

    with transaction.atomic(using="queue"):
        wrapper.cursor().execute("UPDATE counter SET n = n + 1")
        transaction.set_rollback(True, using="queue")
    assert queue_is_free(db_file)

    with pytest.raises(ValueError), transaction.atomic(using="queue"):
        wrapper.cursor().execute("UPDATE counter SET n = n + 1")
        try:
            with transaction.atomic(using="queue"):
                wrapper.cursor().execute("UPDATE counter SET n = n + 10")
                raise ValueError  # caught below: only the savepoint is rolled back
        except ValueError:
            assert not queue_is_free(db_file)
            raise
    assert queue_is_free(db_file)
    assert wrapper.cursor().execute("SELECT n FROM counter").fetchone()[0] == 1  # the first block only


@pytest.mark.django_db
def test_a_write_in_autocommit_takes_and_releases_the_queue(open_wrapper, db_file):
    wrapper = open_wrapper()
    make_table(wrapper)
    holder = os.open(f"{db_file}-writelock", os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)
    waited = []

    def write():
        other = open_wrapper("queue-thread")
        started = time.monotonic()
        other.cursor().execute("UPDATE counter SET n = n + 1")
        waited.append(time.monotonic() - started)
        other.close()

    thread = threading.Thread(target=write)
    thread.start()
    time.sleep(0.2)
    assert not waited  # waiting for the queue, not SQLite's lock (free)
    fcntl.flock(holder, fcntl.LOCK_UN)
    os.close(holder)
    thread.join(10)
    assert waited and waited[0] >= 0.15
    assert queue_is_free(db_file)
    assert wrapper.cursor().execute("SELECT n FROM counter").fetchone()[0] == 1
    # Reads never wait for it.
    holder = os.open(f"{db_file}-writelock", os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        assert wrapper.cursor().execute("SELECT n FROM counter").fetchone()[0] == 1
    finally:
        os.close(holder)


@pytest.mark.django_db
def test_the_wait_is_bounded_by_the_timeout(open_wrapper, db_file):
    """A thread holding the queue while it waits for another thread that wants it: the other gets
    "database is locked" after the database timeout, as from SQLite's busy timeout, not a hang."""
    wrapper = open_wrapper(timeout=0.3)
    make_table(wrapper)
    errors = []

    def write():
        other = open_wrapper("queue-thread", timeout=0.3)
        try:
            with transaction.atomic(using="queue-thread"):
                other.cursor().execute("UPDATE counter SET n = n + 1")
        except OperationalError as exc:
            errors.append(exc)
        finally:
            other.close()

    with transaction.atomic(using="queue"):
        wrapper.cursor().execute("UPDATE counter SET n = n + 1")
        thread = threading.Thread(target=write)
        started = time.monotonic()
        thread.start()
        thread.join(10)
        assert 0.25 <= time.monotonic() - started < 5
    assert len(errors) == 1 and "database is locked" in str(errors[0])
    assert queue_is_free(db_file)


@pytest.mark.django_db
def test_a_second_connection_of_the_same_thread_does_not_deadlock(open_wrapper, db_file):
    """The same thread writing through two connections to one database: SQLite's busy timeout
    answers (database is locked), as without the queue; the queue is not waited for."""
    first = open_wrapper("queue", timeout=0.3)
    second = open_wrapper("queue-second", timeout=0.3)
    make_table(first)
    with transaction.atomic(using="queue"):
        first.cursor().execute("UPDATE counter SET n = n + 1")
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"), transaction.atomic(using="queue-second"):
            second.cursor().execute("UPDATE counter SET n = n + 1")
        assert time.monotonic() - started < 5
    assert queue_is_free(db_file)
    with transaction.atomic(using="queue-second"):  # and it works normally afterwards
        assert not queue_is_free(db_file)
        second.cursor().execute("UPDATE counter SET n = n + 1")
    assert queue_is_free(db_file)


@pytest.mark.django_db
def test_a_failed_begin_releases_the_queue(open_wrapper, db_file):
    import sqlite3

    wrapper = open_wrapper(timeout=0.2)
    make_table(wrapper)
    outsider = sqlite3.connect(db_file, isolation_level=None)  # writes without the queue
    outsider.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"), transaction.atomic(using="queue"):
            pass
        assert queue_is_free(db_file)
    finally:
        outsider.execute("ROLLBACK")
        outsider.close()


@pytest.mark.django_db
def test_without_the_option_there_is_no_queue(open_wrapper, db_file):
    wrapper = open_wrapper(write_queue=False)
    make_table(wrapper)
    assert wrapper.write_queue is None
    with transaction.atomic(using="queue"):
        assert queue_is_free(db_file)
    assert wrapper.cursor().execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000


WRITER = textwrap.dedent("""
    import sys, time
    import django
    from django.conf import settings
    settings.configure(DATABASES={"default": {"ENGINE": "comcep.core.db.sqlite3", "NAME": sys.argv[1],
                       "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20,
                                   "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}})
    django.setup()
    from django.db import connection, transaction
    for _ in range(int(sys.argv[2])):
        with transaction.atomic():
            with connection.cursor() as cursor:
                n = cursor.execute("SELECT n FROM counter WHERE id = 1").fetchone()[0]
                time.sleep(0.002)  # read, think, write: only a serialised writer keeps every increment
                cursor.execute("UPDATE counter SET n = %s WHERE id = 1", [n + 1])
        with connection.cursor() as cursor:  # and one write in autocommit
            cursor.execute("UPDATE counter SET m = m + 1 WHERE id = 1")
    print("done")
""")


@pytest.mark.slow
@pytest.mark.django_db
def test_two_processes_writing_through_the_queue_lose_nothing(open_wrapper, db_file, tmp_path):
    wrapper = open_wrapper()
    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, m INTEGER NOT NULL)")
        cursor.execute("INSERT INTO counter VALUES (1, 0, 0)")
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    writers = [subprocess.Popen([sys.executable, str(script), str(db_file), "40"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert out.strip() == "done"
    assert wrapper.cursor().execute("SELECT n, m FROM counter").fetchone() == (80, 80)
    assert queue_is_free(db_file)


@pytest.mark.django_db
def test_a_lock_file_that_cannot_be_opened_leaves_sqlite_alone(open_wrapper, db_file, caplog):
    Path(f"{db_file}-writelock").mkdir()  # e.g. created by another user without read access
    wrapper = open_wrapper()
    make_table(wrapper)
    with transaction.atomic(using="queue"):
        wrapper.cursor().execute("UPDATE counter SET n = n + 1")
    wrapper.cursor().execute("UPDATE counter SET n = n + 1")
    assert wrapper.cursor().execute("SELECT n FROM counter").fetchone()[0] == 2
    assert "write queue disabled" in caplog.text
