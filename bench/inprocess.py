#!/usr/bin/env python
"""In-process timings of the benchmark pages (no server, no load generator): less noisy than wrk on a
shared machine, and it shows where the time goes.

    DATABASE_URL=sqlite:///bench/data/bench-large.sqlite3 .venv/bin/python bench/inprocess.py
    ... bench/inprocess.py --pages resource-page --repeat 30 --sql        # the SQL of one request, timed
    ... bench/inprocess.py --pages home --profile                          # pyinstrument call tree

Settings: comcep.settings.bench (DEBUG off, cached templates, locmem cache). The bench member is logged
in with the test client. Each page is requested once to warm caches, then ``--repeat`` times; the
median and p95 of the wall time, the median CPU time of this process (includes SQLite, which runs
in-process; excludes the PostgreSQL server) and the number of SQL queries are printed. On a shared,
loaded machine the CPU time is the steadier number.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", nargs="*", help="only these pages (names from bench/targets.py)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--sql", action="store_true", help="print the SQL of the last request with timings")
    parser.add_argument("--profile", action="store_true", help="pyinstrument tree (wall clock) of 5 requests")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N",
                        help="cProfile on CPU time of 5 requests: print the N functions of most cumulative time")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime...)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comcep.settings.bench")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import bench.targets as bench_targets
    from search import resultcache

    # Search summary cache lookups (search.resultcache.get): (hit?) per lookup, to tell first visits
    # from repeated searches.
    summary_lookups: list[bool] = []
    cache_get = resultcache.get

    def counting_get(cache_key):
        value = cache_get(cache_key)
        if cache_key is not None:
            summary_lookups.append(value is not None)
        return value

    resultcache.get = counting_get

    # The garbage collector's CPU during the measured requests (its full collections are the CPU mean's tail).
    import gc

    gc_clock = {"seconds": 0.0, "collections": 0, "started": None}

    def gc_callback(phase, info):
        if phase == "start":
            gc_clock["started"] = time.process_time()
        elif gc_clock["started"] is not None:
            gc_clock["seconds"] += time.process_time() - gc_clock["started"]
            gc_clock["collections"] += 1
            gc_clock["started"] = None

    gc.callbacks.append(gc_callback)
    targets = bench_targets.targets()
    from comcep.accounts.models import User

    member = User.objects.get(email=targets["member"]["email"])
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(member)
    client.get("/")  # csrf cookie
    for page in targets["pages"]:
        if args.pages and page["name"] not in args.pages:
            continue
        request = bench_targets.page_request(client, page, tag="inprocess", requests=args.repeat * 2 + 12)
        response = request()
        status = response.status_code
        summary_lookups.clear()
        times, cpu = [], []
        gc_clock.update(seconds=0.0, collections=0)
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            request()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            request()
            last = (time.perf_counter() - started) * 1000
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        cpu_p95 = sorted(cpu)[min(len(cpu) - 1, int(len(cpu) * 0.95))]
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        gc_ms = gc_clock["seconds"] * 1000 / args.repeat
        print(f"{page['name']:<24} {status}  wall p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  "
              f"cpu p50 {statistics.median(cpu):6.2f} ms  mean {statistics.fmean(cpu):6.2f} ms  "
              f"p95 {cpu_p95:6.2f} ms  gc {gc_ms:5.2f} ms/req  queries {len(queries):3d}  sql {sql_ms:6.1f} ms "
              f"(last {last:.1f} ms){_cache_line(summary_lookups)}", flush=True)
        if args.sql:
            for q in queries.captured_queries:
                print(f"    {float(q['time']) * 1000:7.2f} ms  {q['sql'][:400]}")
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(5):
                request()
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        if args.cprofile:
            import cProfile
            import pstats

            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for _ in range(5):
                request()
            profile.disable()
            pstats.Stats(profile).sort_stats(args.sort).print_stats(args.cprofile)


def _cache_line(lookups: list[bool]) -> str:
    if not lookups:
        return ""
    return f"  summary cache {sum(lookups)}/{len(lookups)} hits"


if __name__ == "__main__":
    main()
