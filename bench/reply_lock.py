#!/usr/bin/env python
"""How long posting a reply holds its write transaction, in-process (no server, no load generator).

    DATABASE_URL=sqlite:////tmp/<you>.sqlite3 .venv/bin/python bench/reply_lock.py --repeat 30
    DATABASE_URL=postgres://postgres@127.0.0.1:54390/<you>_large .venv/bin/python bench/reply_lock.py

Posts ``--repeat`` replies (distinct texts) through the ``post-reply`` page of bench/targets.py as the
bench member and prints, per request, the median / p90 time the write transaction was held and the
median CPU time of the request. SQLite: from the moment the write queue (comcep.core.db.sqlite3) is
taken to its release after COMMIT, i.e. the time every other writer waits. PostgreSQL: from BEGIN to
the start of COMMIT (the thread's and the space's rows stay locked meanwhile). Use a COPY of the
bench database: every run adds replies and task rows. See docs/performance.md, "Session 7: the
reply's transaction".
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comcep.settings.bench")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    import bench.targets as bench_targets
    from comcep.accounts.models import User

    holds: list[float] = []
    started: dict[int, float] = {}
    if connection.vendor == "sqlite":
        from comcep.core.db.sqlite3.base import WriteQueue

        acquire, release = WriteQueue.acquire, WriteQueue.release

        def timed_acquire(queue):
            acquire(queue)
            started[id(queue)] = time.perf_counter()

        def timed_release(queue):
            begun = started.pop(id(queue), None)
            if begun is not None:
                holds.append((time.perf_counter() - begun) * 1000)
            release(queue)

        WriteQueue.acquire, WriteQueue.release = timed_acquire, timed_release
    else:
        wrapper = type(connection)
        set_autocommit, commit = wrapper.set_autocommit, wrapper.commit

        def timed_set_autocommit(conn, autocommit, *a, **kw):
            result = set_autocommit(conn, autocommit, *a, **kw)
            if not autocommit:
                started[id(conn)] = time.perf_counter()
            return result

        def timed_commit(conn):
            begun = started.pop(id(conn), None)
            if begun is not None:
                holds.append((time.perf_counter() - begun) * 1000)
            return commit(conn)

        wrapper.set_autocommit, wrapper.commit = timed_set_autocommit, timed_commit

    targets = bench_targets.targets()
    member = User.objects.get(email=targets["member"]["email"])
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(member)
    client.get("/")
    page = next(p for p in targets["pages"] if p["name"] == "post-reply")
    data = {k: v[0] for k, v in parse_qs(page["body"]).items()}
    stamp = int(time.time() * 1000)

    def post(n):
        response = client.post(page["path"], {**data, "body": f"{data['body']} (reply-lock-{stamp}-{n})"})
        if response.status_code not in (302, 303):
            raise SystemExit(f"post-reply answered {response.status_code}")

    post(-1)
    post(-2)  # warm: the statements compiled once per process
    per_request, cpu, transactions = [], [], []
    for n in range(args.repeat):
        holds.clear()
        begun = time.process_time()
        post(n)
        cpu.append((time.process_time() - begun) * 1000)
        per_request.append(max(holds, default=0.0))
        transactions.append(len(holds))
    per_request.sort()
    p90 = per_request[min(len(per_request) - 1, int(len(per_request) * 0.9))]
    print(f"post-reply ({connection.vendor}, {args.repeat} replies): write transaction held p50 "
          f"{statistics.median(per_request):.2f} ms p90 {p90:.2f} ms; request cpu p50 {statistics.median(cpu):.2f} ms; "
          f"write transactions per request {statistics.median(transactions):g}")


if __name__ == "__main__":
    main()
