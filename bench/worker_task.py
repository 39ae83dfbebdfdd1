#!/usr/bin/env python
"""What the task worker does for one reply of the benchmark's ``post-reply`` page, in process:
a reply is posted to the target thread (as the bench member, through ``forums.services.add_reply``,
tasks queued in the database as under wrk; the call's own time and write-lock time are shown too),
then the tasks it queued are run the way ``db_worker`` runs them (claim, run, mark successful), each
timed: wall time, CPU time, and the time spent inside write transactions (on SQLite: holding the
database's write lock, which the web workers' replies wait for).

    DATABASE_URL=sqlite:////tmp/copy.sqlite3 .venv/bin/python bench/worker_task.py --repeat 20
    ... bench/worker_task.py --profile          # pyinstrument tree of the reindex task

Settings: comcep.settings.bench. Use a COPY of a bench database: every run adds replies.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class LockClock:
    """Time between BEGIN (or the first write of an implicit transaction) and COMMIT/ROLLBACK of
    the default connection: on SQLite (transaction_mode IMMEDIATE) the write lock is held meanwhile."""

    def __init__(self, connection):
        self.connection = connection
        self.started = None
        self.held = 0.0
        self.transactions = 0

    def __call__(self, execute, sql, params, many, context):
        if self.started is None and sql.lstrip().upper().startswith("BEGIN"):
            self.started = time.perf_counter()
        return execute(sql, params, many, context)

    def install(self):
        connection = self.connection
        connection.ensure_connection()
        for name in ("_commit", "_rollback"):
            original = getattr(connection, name)

            def ended(original=original):
                try:
                    return original()
                finally:
                    if self.started is not None:
                        self.held += time.perf_counter() - self.started
                        self.transactions += 1
                        self.started = None

            setattr(connection, name, ended)
        connection.execute_wrappers.append(self)

    def reset(self):
        self.held, self.transactions, self.started = 0.0, 0, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="pyinstrument tree of the reindex tasks")
    parser.add_argument("--thread", type=int, help="another thread than the post-reply page's (e.g. a short one)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comcep.settings.bench")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    # The thread's announce and reindex tasks at once (production waits FORUMS_ANNOUNCE_DELAY_SECONDS and
    # SEARCH_REINDEX_DELAY_SECONDS so that a burst shares them): this script runs each reply's tasks right after it.
    settings.FORUMS_ANNOUNCE_DELAY_SECONDS = 0
    settings.SEARCH_REINDEX_DELAY_SECONDS = 0
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.models import DBTaskResult

    import bench.targets as bench_targets
    from comcep.accounts.models import User
    from forums import services
    from forums.models import Thread

    data = bench_targets.targets()
    page = next(p for p in data["pages"] if p["name"] == "post-reply")
    thread_id = args.thread or int(page["path"].strip("/").split("/")[-2])
    member = User.objects.get(email=data["member"]["email"])
    clock = LockClock(connection)
    clock.install()
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)

    # The queue must hold only what this script queues.
    DBTaskResult.objects.ready().update(status="SUCCESSFUL")
    stats = defaultdict(lambda: {"wall": [], "cpu": [], "lock": [], "queries": []})
    stamp = int(time.time())
    for n in range(args.repeat + 1):
        thread = Thread.objects.select_related("space").get(pk=thread_id)
        clock.reset()
        with CaptureQueriesContext(connection) as queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            services.add_reply(thread=thread, author=member,
                               body=f"Merci pour ce retour : nous faisons de même. (worker-{stamp}-{n})")
            wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        if n:
            row = stats["(request) add_reply"]
            row["wall"].append(wall * 1000)
            row["cpu"].append(cpu * 1000)
            row["lock"].append(clock.held * 1000)
            row["queries"].append(len(queries))
        while True:
            task = DBTaskResult.objects.ready().order_by("enqueued_at").first()
            if task is None:
                break
            task.claim("bench")
            name = task.task_path.rsplit(".", 1)[-1]
            clock.reset()
            if profiler is not None and name == "reindex_source" and n:
                profiler.start()
            with CaptureQueriesContext(connection) as queries:
                started, started_cpu = time.perf_counter(), time.process_time()
                result = task.task_result
                task.task.call(*result.args, **result.kwargs)
                wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
            if profiler is not None and profiler.is_running:
                profiler.stop()
            task.set_successful(None)
            if n == 0:  # warm-up
                continue
            row = stats[name]
            row["wall"].append(wall * 1000)
            row["cpu"].append(cpu * 1000)
            row["lock"].append(clock.held * 1000)
            row["queries"].append(len(queries))
    thread = Thread.objects.get(pk=thread_id)
    print(f"thread {thread_id}: {thread.post_count} posts; {args.repeat} replies", flush=True)
    for name, row in stats.items():
        print(f"{name:<24} x{len(row['wall']):<3} wall p50 {statistics.median(row['wall']):7.1f} ms  "
              f"max {max(row['wall']):7.1f} ms  cpu p50 {statistics.median(row['cpu']):6.1f} ms  "
              f"write lock p50 {statistics.median(row['lock']):6.1f} ms  max {max(row['lock']):6.1f} ms  "
              f"queries {statistics.median(row['queries']):.0f}")
    if profiler is not None:
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
