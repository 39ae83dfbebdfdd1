"""PostgreSQL: server-side parameter binding and psycopg's prepared statements (docs/performance.md,
"Session 7: PostgreSQL planning").

The settings are read in a subprocess (comcep/settings/base.py parses the environment at import); the
connection tests run only on PostgreSQL: what they check (prepared statements in
``pg_prepared_statements``) does not exist on SQLite."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from comcep.accounts.models import User
from comcep.core.prepared import PreparedQuery

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = "postgres://comcep@db.example/comcep"
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL prepared statements (pg_prepared_statements); SQLite has no server-side binding")


def database_options(**environ) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_SERVER_SIDE_BINDING", "DATABASE_PREPARE_THRESHOLD")}
    env.update(environ)
    result = subprocess.run(
        [sys.executable, "-c", "import json; from comcep.settings import base; "
                               "print(json.dumps(base.DATABASES['default'].get('OPTIONS', {})))"],
        cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgresql_binds_on_the_server_and_prepares_after_five_by_default():
    options = database_options(DATABASE_URL=POSTGRES_URL)
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5
    options = database_options(DATABASE_URL=POSTGRES_URL, DATABASE_SERVER_SIDE_BINDING="false")
    assert options["server_side_binding"] is False


def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler():
    assert database_options(DATABASE_URL=POSTGRES_URL, DATABASE_PREPARE_THRESHOLD="none")["prepare_threshold"] is None
    assert database_options(DATABASE_URL=POSTGRES_URL, DATABASE_PREPARE_THRESHOLD="2")["prepare_threshold"] == 2


def test_an_invalid_threshold_is_refused_at_startup():
    env = dict(os.environ, DATABASE_URL=POSTGRES_URL, DATABASE_PREPARE_THRESHOLD="five")
    result = subprocess.run([sys.executable, "-c", "from comcep.settings import base"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD must be an integer" in result.stderr


def test_sqlite_gets_none_of_the_postgresql_options():
    options = database_options(DATABASE_URL="sqlite:////tmp/comcep-binding-test.sqlite3")
    assert "server_side_binding" not in options
    assert "prepare_threshold" not in options


def _prepared_statements(conn) -> dict[str, int]:
    with conn.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return dict(cursor.fetchall())


@on_postgres
@pytest.mark.django_db
def test_the_connection_uses_the_configured_binding():
    options = settings.DATABASES["default"]["OPTIONS"]
    connection.ensure_connection()
    assert connection.features.uses_server_side_binding is options["server_side_binding"]
    assert connection.connection.prepare_threshold == options["prepare_threshold"]


@pytest.fixture
def server_binding():
    """A second connection to the test database with server-side binding and prepare_threshold 5,
    whatever the environment chose for the default one."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    options = {**connection.settings_dict["OPTIONS"], "server_side_binding": True, "prepare_threshold": 5}
    wrapper = DatabaseWrapper({**connection.settings_dict, "OPTIONS": options}, alias="server_binding")
    yield wrapper
    wrapper.close()


LOOKUP = PreparedQuery("tests.binding.user", lambda *, user: User.objects.filter(pk=user).only("pk", "email"),
                       params={"user": int})


@on_postgres
@pytest.mark.django_db
def test_queries_compiled_once_send_one_text_that_gets_prepared(server_binding):
    """comcep.core.prepared puts the values in the parameter list, never in the SQL: every call
    sends the same text, which psycopg prepares on its sixth run and PostgreSQL then stops planning."""
    sent = []

    def capture(execute, sql, params, many, context):
        sent.append((sql, list(params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        for pk in range(1, 9):  # eight calls, eight different values
            LOOKUP.first(user=pk)
    assert len({sql for sql, _params in sent}) == 1  # one text: no value inlined
    assert [params for _sql, params in sent] == [[pk] for pk in range(1, 9)]
    with server_binding.cursor() as cursor:
        for sql, params in sent:
            cursor.execute(sql, params)
            cursor.fetchall()
    runs = _prepared_statements(server_binding)
    statement = sent[0][0].replace("%s", "$1")
    assert statement in runs, list(runs)
    assert runs[statement] == 3  # runs 6, 7 and 8, prepared; runs 1-5 were sent unprepared
