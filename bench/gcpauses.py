#!/usr/bin/env python
"""Garbage-collector pauses while serving the benchmark pages in order, in one process (as one gunicorn
worker serves them during a bench pass): per page, the wall p50/p95 of the requests, how many collections
of each generation ran during them and how long (CPU) the generation-2 ones lasted; at the end the number of
objects the collector tracks and the process's peak memory.

    DATABASE_URL=sqlite:////tmp/me-large.sqlite3 .venv/bin/python bench/gcpauses.py --requests 300
    ... bench/gcpauses.py --freeze          # the worker hook of deploy/gunicorn.conf.py, then the same series

``--freeze`` does what deploy/gunicorn.conf.py's hooks do in each worker:
``comcep.core.gcfreeze.freeze_after_app_load()`` once the app is loaded, ``freeze_after_warmup(n)`` after
each request. Settings: comcep.settings.bench, as bench/inprocess.py.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", nargs="*", help="only these pages (names from bench/targets.py)")
    parser.add_argument("--requests", type=int, default=300, help="requests per page")
    parser.add_argument("--freeze", action="store_true", help="warm up, gc.collect() and gc.freeze() first")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comcep.settings.bench")
    import django

    django.setup()
    from django.test import Client

    from comcep.core import gcfreeze

    if args.freeze:
        print(f"frozen after app load: {gcfreeze.freeze_after_app_load()} objects")

    import bench.targets as bench_targets
    from comcep.accounts.models import User

    targets = bench_targets.targets()
    member = User.objects.get(email=targets["member"]["email"])
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(member)
    client.get("/")
    served = [0]

    pauses: list[tuple[int, float]] = []
    started_at: list[float] = [0.0]

    def callback(phase, info):
        if phase == "start":
            started_at[0] = time.process_time()
        else:
            pauses.append((info["generation"], (time.process_time() - started_at[0]) * 1000))

    gc.callbacks.append(callback)
    print(f"{'page':<24} {'p50':>6} {'p95':>6} {'p99':>6} ms   gen0 gen1 gen2  gen2 ms (max)   gc ms/request")
    all_pauses = []
    for page in targets["pages"]:
        if args.pages and page["name"] not in args.pages:
            continue
        request = bench_targets.page_request(client, page, tag="gcpauses", requests=args.requests)
        request()
        pauses.clear()
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            request()
            times.append((time.perf_counter() - started) * 1000)
            served[0] += 1
            if args.freeze and gcfreeze.freeze_after_warmup(served[0]):
                print(f"frozen after {served[0]} requests: {gc.get_freeze_count()} objects")
        times.sort()
        counts = [sum(1 for g, _ in pauses if g == n) for n in range(3)]
        gen2 = [ms for g, ms in pauses if g == 2]
        all_pauses.extend(pauses)
        print(f"{page['name']:<24} {statistics.median(times):6.1f} {times[int(len(times) * 0.95)]:6.1f} "
              f"{times[int(len(times) * 0.99)]:6.1f}      {counts[0]:4d} {counts[1]:4d} {counts[2]:4d}  "
              f"{sum(gen2):7.1f} ({max(gen2, default=0):5.1f})   "
              f"{sum(ms for _, ms in pauses) / len(times):6.2f}", flush=True)
    gc.callbacks.remove(callback)
    for n in range(3):
        durations = sorted(ms for g, ms in all_pauses if g == n)
        if durations:
            print(f"gen{n}: {len(durations)} collections, median {statistics.median(durations):.2f} ms, "
                  f"max {durations[-1]:.1f} ms, total {sum(durations):.0f} ms")
    print(f"tracked objects: {len(gc.get_objects())} (+{gc.get_freeze_count()} frozen); "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
