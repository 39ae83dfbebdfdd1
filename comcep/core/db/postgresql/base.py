"""Django's PostgreSQL backend, with a health check that needs no round trip (docs/performance.md,
"Session 11: PostgreSQL pages' client CPU").

With ``CONN_HEALTH_CHECKS`` (comcep.settings.base turns them on), Django checks a persistent
connection at the first query of every request by sending ``SELECT 1`` and waiting for the answer:
one more round trip per request than the page needs (5 instead of 4 for the home page), each of which
costs the web process a send, a wait and a wake-up (the backend usually takes over its CPU meanwhile)
and costs the server a statement.

Here the check first looks at the connection without talking to the server: psycopg says it is open
and idle (no transaction, no pending result) and its socket has nothing to read. A server that ends
a session (restart, ``pg_terminate_backend``, ``idle_session_timeout``, pgbouncer closing a client)
sends an error message and closes the socket, which makes it readable; anything readable (also a
notice or a parameter change, which a quiet idle session does not receive) sends the check back to
Django's ``SELECT 1``, which decides as before. A peer that vanished without closing (a network
cut, a crashed host) is not seen by either check without a timeout: ``SELECT 1`` would wait for TCP
as the page's first query does.

``is_usable`` itself (used after a request whose queries failed) still sends ``SELECT 1``.
"""

from __future__ import annotations

import select

import psycopg
from django.db.backends.postgresql import base as postgresql_base
from psycopg import pq


class DatabaseWrapper(postgresql_base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (self.connection is not None and self.health_check_enabled and not self.health_check_done
                and not self.pool and self._quiet()):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _quiet(self) -> bool:
        """The connection is open, idle outside a transaction and nothing waits on its socket."""
        pgconn = self.connection.pgconn
        if (self.connection.closed or pgconn.status != pq.ConnStatus.OK
                or pgconn.transaction_status != pq.TransactionStatus.IDLE):
            return False
        try:
            fd = pgconn.socket
        except psycopg.Error:
            return False
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return not poller.poll(0)  # readable, hung up or in error: let SELECT 1 decide
