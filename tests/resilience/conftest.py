"""Shared machinery of the resilience tests: the real application served by gunicorn (with
deploy/gunicorn.conf.py) on loopback, task workers (`manage.py db_worker`), both as separate
processes on the test database, which they reach through DATABASE_URL.

The tests are transactional (the other processes must see committed rows); the server and the
workers are stopped before the test database is flushed."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client

ROOT = Path(settings.BASE_DIR)
VENV_BIN = Path(sys.executable).parent
GUNICORN = VENV_BIN / "gunicorn"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_database_url() -> str:
    """A DATABASE_URL for the test database (the one this test process uses)."""
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    user = urllib.parse.quote(s.get("USER") or "")
    password = urllib.parse.quote(s.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{s['NAME']}"


test_database_url.__test__ = False  # not a test


def process_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESILIENCE_", "PYTEST_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "tests.resilience.settings",
        "DATABASE_URL": test_database_url(),
        "PYTHONUNBUFFERED": "1",
        "SECRET_KEY": settings.SECRET_KEY,  # sessions made by the tests are valid in the server
        "RESILIENCE_PAUSE_DIR": str(tmp_path),
        "RESILIENCE_MAIL_DIR": str(tmp_path / "mail"),
    })
    env.update(extra)
    return env


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            match = re.search(r"^PPid:\s+(\d+)", status, re.M)
            state = re.search(r"^State:\s+(\S)", status, re.M)
            if match and int(match.group(1)) == pid and not (state and state.group(1) == "Z"):
                found.add(int(entry.name))
    return found


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


class Server:
    def __init__(self, proc: subprocess.Popen, base: str, log: Path):
        self.proc, self.base, self.log = proc, base, log

    @property
    def workers(self) -> set[int]:
        return children(self.proc.pid)

    def session_for(self, user) -> requests.Session:
        """A requests session logged in as ``user`` (the session row is shared through the database)."""
        client = Client()
        client.force_login(user)
        http = requests.Session()
        http.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
        return http

    def csrf(self, http: requests.Session, path: str) -> str:
        response = http.get(self.base + path, timeout=30)
        assert response.status_code == 200, (path, response.status_code)
        return CSRF_RE.search(response.text).group(1)


@pytest.fixture
def gunicorn_server(transactional_db, tmp_path):
    """The application under gunicorn (deploy/gunicorn.conf.py, two workers) on loopback; its
    processes run tests/resilience/settings.py (production-like, with the pause hooks)."""
    if not GUNICORN.exists():
        pytest.skip(f"gunicorn is not installed in {VENV_BIN} (pip install -r requirements.txt)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "gunicorn.log"
    env = process_env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2", GUNICORN_TIMEOUT="120",
                      RESILIENCE_PAUSE_MARKER="PAUSE-DANS-LA-TRANSACTION")
    with log.open("wb") as out:
        proc = subprocess.Popen([str(GUNICORN), "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
                                 "comcep.wsgi:application"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = Server(proc, f"http://127.0.0.1:{port}", log)

    def ready():
        if proc.poll() is not None:
            raise AssertionError(f"gunicorn exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            return requests.get(server.base + "/__bench__/baseline/", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_for(ready, 90, "gunicorn to answer", interval=0.3)
        wait_for(lambda: len(server.workers) == 2, 60, "two gunicorn workers")
        yield server
    finally:
        stop(proc)


def run_worker(tmp_path: Path, *args: str, **extra_env: str) -> subprocess.Popen:
    """`manage.py db_worker` (django-tasks-db) as a separate process."""
    log = (tmp_path / "worker.log").open("ab")
    return subprocess.Popen([sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload",
                             "--interval", "0.2", *args], cwd=ROOT, env=process_env(tmp_path, **extra_env),
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


@pytest.fixture
def empty_database(transactional_db, tmp_path):
    """A second database holding what `migrate` creates and nothing else (a copy of the test
    database at the start of a transactional test); yields its DATABASE_URL."""
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        import sqlite3

        target = tmp_path / "empty.sqlite3"
        source, copy = sqlite3.connect(s["NAME"]), sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
        yield f"sqlite:///{target}"
        return
    import psycopg

    name = f"{s['NAME']}_restore"[:63]
    admin_url = test_database_url().rsplit("/", 1)[0] + "/postgres"
    connection.close()  # CREATE DATABASE ... TEMPLATE needs the source database without sessions
    with psycopg.connect(admin_url, autocommit=True) as admin:
        # Sessions other tests left open (nothing else runs now) would block the copy.
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                      "AND pid <> pg_backend_pid()", (s["NAME"],))
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{s["NAME"]}"')
    try:
        yield test_database_url().rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
