"""PostgreSQL: the per-request connection health check (comcep/core/db/postgresql/base.py,
docs/performance.md "Session 11: PostgreSQL pages' client CPU").

A persistent connection is checked at the first query of each request; a quiet one passes without a
round trip, one the server has ended is replaced before the page's first query. The settings are read
in a subprocess; the connection tests run only on PostgreSQL."""

import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoPostgresWrapper

ROOT = Path(__file__).resolve().parents[2]
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL connection health checks; SQLite connections are local files and never checked")


def test_a_postgresql_url_selects_the_project_backend_and_french_search():
    env = dict(os.environ, DATABASE_URL="postgres://comcep@db.example/comcep")
    env.pop("SEARCH_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", "import json; from comcep.settings import base; print(json.dumps(["
                               "base.DATABASES['default']['ENGINE'], base.DATABASES['default']['CONN_HEALTH_CHECKS'],"
                               "base.WAGTAILSEARCH_BACKENDS['default'].get('SEARCH_CONFIG')]))"],
        cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    engine, health_checks, search_config = json.loads(result.stdout.strip().splitlines()[-1])
    assert engine == "comcep.core.db.postgresql"
    assert health_checks is True
    assert search_config == "french_unaccent"


def _until_readable(seconds: float = 10.0) -> None:
    """Wait until the server's message (a notification, or the end of the session) has reached the
    connection's socket: it travels asynchronously, and the check polls without waiting."""
    readable, _, _ = select.select([connection.connection.pgconn.socket], [], [], seconds)
    assert readable, "the server's message never reached the socket"


@pytest.fixture
def persistent(monkeypatch):
    """Persistent connections, as deployed (DATABASE_CONN_MAX_AGE=60; the tests run with 0)."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", None)
    connection.close()
    yield
    connection.close()


@pytest.fixture
def pings(monkeypatch, persistent):
    """The SELECT 1 checks Django sends (DatabaseWrapper.is_usable), counted."""
    calls = []
    original = DjangoPostgresWrapper.is_usable

    def counting(self):
        calls.append(self.alias)
        return original(self)

    monkeypatch.setattr(DjangoPostgresWrapper, "is_usable", counting)
    return calls


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _new_request():
    """What Django does at request_started / request_finished for a persistent connection."""
    connection.close_if_unusable_or_obsolete()


@on_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_quiet_connection_is_reused_without_a_round_trip(pings):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    pid = _backend_pid()
    _new_request()
    assert _backend_pid() == pid
    assert pings == []


@on_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_connection_the_server_ended_is_replaced_before_the_next_query(pings):
    pid = _backend_pid()
    other = DjangoPostgresWrapper({**connection.settings_dict}, alias="terminator")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
            assert cursor.fetchone()[0] is True
    finally:
        other.close()
    _until_readable()
    _new_request()
    new_pid = _backend_pid()  # no error: the check saw the closed session and reconnected
    assert new_pid != pid
    assert pings == ["default"]  # the socket was readable: Django's SELECT 1 decided


@on_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_connection_with_unread_messages_is_checked_by_a_query_and_kept(pings):
    pid = _backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("LISTEN comcep_health_check_test")
    other = DjangoPostgresWrapper({**connection.settings_dict}, alias="notifier")
    try:
        with other.cursor() as cursor:
            cursor.execute("NOTIFY comcep_health_check_test")
    finally:
        other.close()
    _until_readable()
    _new_request()
    assert _backend_pid() == pid
    assert pings == ["default"]
    with connection.cursor() as cursor:
        cursor.execute("UNLISTEN *")


@on_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_health_checks_nothing_is_checked(pings):
    _backend_pid()
    connection.health_check_enabled = False
    try:
        _new_request()
        _backend_pid()
    finally:
        connection.health_check_enabled = connection.settings_dict["CONN_HEALTH_CHECKS"]
    assert pings == []
