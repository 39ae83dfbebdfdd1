"""Fault-injection hooks for the resilience tests (installed only by tests/resilience/settings.py).

Both hooks are inert unless the test that started the process set their environment variables,
and each pauses at most once per directory (the flag file it writes), so a retry goes through.

- ``PauseInTransactionMiddleware``: a POST whose body contains ``RESILIENCE_PAUSE_MARKER`` stops
  *inside* its database transaction, right after the SQL statement that updates the table named by
  ``RESILIENCE_PAUSE_AFTER`` (default: the space counters, the last write of a reply). It writes
  its process id to ``$RESILIENCE_PAUSE_DIR/request-paused`` and sleeps until it is killed.
- ``PausingFileEmailBackend``: Django's file-based backend (one file per connection, readable by
  the test whatever process sent the mail); with ``RESILIENCE_PAUSE_MAIL=1`` the first send
  writes ``$RESILIENCE_PAUSE_DIR/mail-paused`` and sleeps before anything is written.
"""

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend
from django.db import connection

PAUSE_SECONDS = 300


def _pause(flag_name: str) -> bool:
    directory = os.environ.get("RESILIENCE_PAUSE_DIR")
    if not directory:
        return False
    flag = Path(directory) / flag_name
    try:
        with flag.open("x") as fh:  # at most once: a retry after the kill goes through
            fh.write(str(os.getpid()))
    except FileExistsError:
        return False
    time.sleep(PAUSE_SECONDS)
    return True


class PauseInTransactionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        marker = os.environ.get("RESILIENCE_PAUSE_MARKER", "").encode()
        if not marker or request.method != "POST" or marker not in request.body:
            return self.get_response(request)
        table = f'"{os.environ.get("RESILIENCE_PAUSE_AFTER", "forums_space")}"'

        def pause_after(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if sql.lstrip().upper().startswith("UPDATE") and table in sql and connection.in_atomic_block:
                _pause("request-paused")
            return result

        with connection.execute_wrapper(pause_after):
            return self.get_response(request)


class PausingFileEmailBackend(FileEmailBackend):
    def send_messages(self, email_messages):
        if os.environ.get("RESILIENCE_PAUSE_MAIL") == "1":
            _pause("mail-paused")
        return super().send_messages(email_messages)
