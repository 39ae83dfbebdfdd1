#!/usr/bin/env python
"""Load benchmark of Comcep (issue 7). One command: `make bench` (see bench/README.md).

For each database (SQLite; PostgreSQL too when DATABASE_URL points to one) it seeds a database per data
size (small: ~1k posts, large: ~100k posts) with `manage.py seed_bulk`, serves each size with its own
gunicorn and production-like settings (comcep.settings.bench: DEBUG off, cached templates) on loopback, both
at once, logs in as a member, and drives every page with wrk (an established load generator) for a fixed
duration and concurrency, in rounds (``--rounds``), each round the small and the large pass of a page back to
back (``schedule``: a page's sizes are measured in the same minute, so p95(large)/p95(small) is not skewed by
the machine's speed drifting between two passes ten minutes apart; several rounds, so that one slow minute is
not the page's result). It writes a table to bench/results/, medians over rounds (``aggregate_rounds``):
requests/s, p50/p95/p99, errors, SQL queries per request, p95(page)/p95(baseline), p50(page)/p50(baseline) and
p95(large)/p95(small), the median of the rounds' paired ratios with their spread (``flat_ratio``);
beside them, what the server saw: gunicorn's own request times (access log), the CPU per request of the web
workers, the task worker and the PostgreSQL backends, the CPU other programs took (the idle server of the
other size included), the load average at the end of each page's pass, and how fast the machine was during it
(``bench/speed.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.cookiejar
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/run.py` puts bench/ first, not the project
    sys.path.insert(0, str(ROOT))

from bench import accesslog, procstat, speed  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
DATA = ROOT / "bench" / "data"  # --data-dir
RESULTS = ROOT / "bench" / "results"  # --results-dir

# The small size has enough threads for every space list to fill its first page (25 rows), as at the
# large size: the space list's large/small ratio then compares the same rendering work.
SIZES = {
    "small": {"members": 200, "resources": 300, "spaces": 12, "threads": 300, "posts": 1000},
    "large": {"members": 5000, "resources": 10000, "spaces": 12, "threads": 5000, "posts": 100000},
}


TASKS_SUMMARY = ("import json; from django.db.models import Count; from django_tasks_db.models import DBTaskResult; "
                 "print(json.dumps(dict(DBTaskResult.objects.values_list('status').annotate(n=Count('id')))))")


def log(message: str) -> None:
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_urls(size: str, args) -> dict[str, str]:
    urls = {}
    if "sqlite" in args.databases:
        urls["sqlite"] = f"sqlite:///{DATA / f'bench-{size}.sqlite3'}"
    pg = os.environ.get("DATABASE_URL", "")
    if "postgres" in args.databases and pg.startswith(("postgres://", "postgresql://")):
        parsed = urllib.parse.urlparse(pg)
        prefix = getattr(args, "pg_prefix", "comcep_bench_")
        urls["postgres"] = urllib.parse.urlunparse(parsed._replace(path=f"/{prefix}{size}"))
    return urls


def env_for(db_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DJANGO_SETTINGS_MODULE": "comcep.settings.bench", "DATABASE_URL": db_url, "PYTHONUNBUFFERED": "1"})
    return env


def manage(db_url: str, *argv: str, capture: bool = False) -> str:
    result = subprocess.run([PY, "manage.py", *argv], cwd=ROOT, env=env_for(db_url), check=True,
                            capture_output=capture, text=True)
    return result.stdout if capture else ""


def recreate_postgres_database(db_url: str) -> None:
    """An empty database of that name (dropped first if it exists): ``flush`` would also empty the
    tables that data migrations fill (taxonomy, groups), which ``migrate`` does not fill again."""
    import psycopg

    parsed = urllib.parse.urlparse(db_url)
    name = parsed.path.lstrip("/")
    admin_url = urllib.parse.urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def analyze_postgres_database(db_url: str) -> None:
    """Planner statistics for every table of a reused PostgreSQL database (``seed_bulk`` ends with
    ANALYZE; a database seeded before it did not, and its small tables had no statistics at all)."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def prepare(size: str, db: str, db_url: str, args) -> None:
    marker = DATA / f"seeded-{db}-{size}.json"
    wanted = json.dumps(SIZES[size], sort_keys=True)
    if marker.exists() and marker.read_text() == wanted and not args.reseed:
        log(f"{db}/{size}: reusing the seeded database (migrate only)")
        manage(db_url, "migrate", "--noinput", "-v0")
        if db == "postgres":
            analyze_postgres_database(db_url)
        return
    DATA.mkdir(parents=True, exist_ok=True)
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(str(DATA / f"bench-{size}.sqlite3") + suffix).unlink(missing_ok=True)
    else:
        recreate_postgres_database(db_url)
    log(f"{db}/{size}: migrate")
    manage(db_url, "migrate", "--noinput", "-v0")
    sizes = SIZES[size]
    log(f"{db}/{size}: seed_bulk {sizes}")
    started = time.monotonic()
    manage(db_url, "seed_bulk", "--seed", "42", *[x for k, v in sizes.items() for x in (f"--{k}", str(v))])
    log(f"{db}/{size}: seeded in {time.monotonic() - started:.0f} s")
    marker.write_text(wanted)


def start_server(db_url: str, port: int, workers: int, access_log: Path | str = "/dev/null") -> subprocess.Popen:
    manage(db_url, "collectstatic", "--noinput", "-v0")
    # The access log (one file per server run, in a temporary directory) gives each request's server-side
    # duration, tagged with the pass that sent it (bench/accesslog.py).
    cmd = [str(ROOT / ".venv" / "bin" / "gunicorn"), "comcep.wsgi:application", "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--access-logfile", str(access_log),
           "--access-logformat", accesslog.ACCESS_LOG_FORMAT, "--error-logfile", "-", "--log-level", "warning",
           "--config", str(ROOT / "bench" / "gunicorn.conf.py")]  # production's worker hooks (gc freeze)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env_for(db_url), start_new_session=True)
    # The task worker (notifications, search reindex), as in production: requests only enqueue.
    proc.task_worker = subprocess.Popen([PY, "manage.py", "db_worker", "--no-reload", "--interval", "0.5", "-v0"],
                                        cwd=ROOT, env=env_for(db_url), start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/__bench__/baseline/", timeout=2).read()
            return proc
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise SystemExit("gunicorn did not start within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    for process in (proc, getattr(proc, "task_worker", None)):
        if process is None:
            continue
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


def worker_peak_memory_mb(proc: subprocess.Popen) -> float:
    peaks = []
    for child in Path("/proc").iterdir():
        if not child.name.isdigit():
            continue
        try:
            status = (child / "status").read_text()
        except OSError:
            continue
        ppid = re.search(r"^PPid:\s+(\d+)", status, re.M)
        hwm = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
        if ppid and hwm and int(ppid.group(1)) == proc.pid:
            peaks.append(int(hwm.group(1)) / 1024)
    return max(peaks) if peaks else float("nan")


def login(base: str, email: str, password: str) -> tuple[str, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/comptes/login/").read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode({"login": email, "password": password, "csrfmiddlewaretoken": csrf}).encode()
    request = urllib.request.Request(f"{base}/comptes/login/", data=data, headers={"Referer": f"{base}/comptes/login/"})
    opener.open(request).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"could not log in as {email}")
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), cookies["csrftoken"]


def query_count(url: str, cookie: str) -> int | None:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            value = response.headers.get("X-Query-Count")
    except urllib.error.HTTPError as exc:
        value = exc.headers.get("X-Query-Count")
    except (TimeoutError, urllib.error.URLError) as exc:  # a very slow page must not end the whole run
        log(f"no query count for {url}: {exc}")
        return None
    return int(value) if value else None


def pending_tasks(db_url: str) -> int:
    """Tasks the worker has not finished (READY or RUNNING), read straight from the database."""
    sql = "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')"
    if db_url.startswith("sqlite:"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=30)) as conn:
            return conn.execute(sql).fetchone()[0]
    import psycopg

    with psycopg.connect(db_url) as conn:
        return conn.execute(sql).fetchone()[0]


def drain_tasks(db_url: str, timeout: float = 300) -> float:
    """Wait until the task worker has caught up; the seconds it took. Each page is measured with an
    empty queue, so the work a previous page enqueued (the replies' reindexing) does not land on it."""
    started = time.monotonic()
    while pending_tasks(db_url) and time.monotonic() - started < timeout:
        time.sleep(0.25)
    return time.monotonic() - started


def run_wrk(url: str, args, extra_env: dict[str, str]) -> dict:
    env = dict(os.environ, **extra_env)
    cmd = ["wrk", "-t", str(min(2, args.concurrency)), "-c", str(args.concurrency), "-d", f"{args.duration}s",
           "--timeout", "10s", "-s", str(ROOT / "bench" / "report.lua"), url]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    result = json.loads(line.removeprefix("BENCH_JSON "))
    # wrk's own CPU (the only child waited for meanwhile): it competes with the server for the same cores.
    result["wrk_cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return result


def pass_order(sizes: list[str], index: int, flip: bool = False) -> list[str]:
    """The sizes of the ``index``-th page's passes, in the order they run: as given on even pages, the other
    way round on odd ones (``flip``: the opposite), so that neither size always runs first, nor always right
    after the other size's pass of the same page (after a posting pass: its database's aftermath)."""
    return list(reversed(sizes)) if (index % 2 == 1) != flip else list(sizes)


def schedule(pages_by_size: dict[str, list[str]], flip: bool = False, rounds: int = 1) -> list[tuple[str, str, int]]:
    """Every pass of a database's run, in order, as (page, size, round), rounds counted from 1: each page's
    ``rounds`` rounds back to back, a round being one pass per size that has the page, back to back. The first
    size alternates from page to page and from round to round (``pass_order`` of page index + round index), so
    that neither size is always first, in a page nor over the run. Pages in the order of the first size's list,
    then any page only a later size has."""
    names: list[str] = []
    for listed in pages_by_size.values():
        names.extend(name for name in listed if name not in names)
    sizes = list(pages_by_size)
    return [(name, size, number + 1) for index, name in enumerate(names) for number in range(rounds)
            for size in pass_order(sizes, index + number, flip) if name in pages_by_size[size]]


def _finite(values) -> list[float]:
    return [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]


def median(values) -> float | None:
    """The median of the values that are numbers (None and NaN left out); None if there are none."""
    values = _finite(values)
    return statistics.median(values) if values else None


def aggregate_server(rounds: list[dict]) -> dict | None:
    """What the server saw over a page's rounds: medians of the rounds' p50/p95/p99 (rounds with requests),
    requests, statuses and unmatched lines summed, the slowest requests of all rounds, the highest max."""
    servers = [r["server"] for r in rounds if r.get("server")]
    if not servers:
        return None
    timed = [s for s in servers if s.get("requests")] or servers
    statuses: dict[str, int] = {}
    for server in servers:
        for status, count in (server.get("statuses") or {}).items():
            statuses[status] = statuses.get(status, 0) + count
    slowest = sorted((e for s in servers for e in s.get("slowest") or []), key=lambda e: e["ms"], reverse=True)
    return {"requests": sum(s.get("requests", 0) for s in servers),
            **{key: median(s.get(key) for s in timed) for key in ("p50_ms", "p95_ms", "p99_ms")},
            "max_ms": max(_finite(s.get("max_ms") for s in servers), default=math.nan),
            "statuses": statuses, "unmatched": sum(s.get("unmatched", 0) for s in servers),
            "slowest": slowest[:accesslog.SLOWEST]}


def aggregate_cpu(rounds: list[dict]) -> dict | None:
    """The CPU of a page's rounds: seconds per group summed, and per request the total over all rounds divided
    by all the requests wrk completed (a round without requests adds its CPU, not requests); others' share of
    the machine over all the rounds' windows."""
    cpus = [(r["cpu"], r.get("requests", 0)) for r in rounds if r.get("cpu")]
    if not cpus:
        return None
    requests = sum(n for _, n in cpus)
    groups = list(dict.fromkeys(g for cpu, _ in cpus for g in cpu.get("seconds") or cpu.get("ms_per_request") or {}))
    total_ms = {}
    for group in groups:
        total = 0.0
        for cpu, n in cpus:
            per_request = (cpu.get("ms_per_request") or {}).get(group)
            # ms per request x requests is the round's own number (exact for one round); seconds otherwise.
            if per_request is not None and n:
                total += per_request * n
            else:
                total += (cpu.get("seconds") or {}).get(group, 0) * 1000
        total_ms[group] = total
    windows = [cpu.get("window_s") or 0 for cpu, _ in cpus]

    def weighted(key):  # a share of the machine over all the windows (one round: its own value)
        pairs = [(cpu.get(key), w) for (cpu, _), w in zip(cpus, windows, strict=True) if cpu.get(key) is not None]
        weight = sum(w for _, w in pairs)
        if not pairs:
            return None
        return sum(v * w for v, w in pairs) / weight if weight else pairs[0][0]

    idle: dict[str, dict[str, float]] = {}
    for cpu, _ in cpus:
        for size, by_group in (cpu.get("idle_servers") or {}).items():
            for group, value in by_group.items():
                idle.setdefault(size, {})[group] = round(idle.get(size, {}).get(group, 0) + value, 3)
    return {"window_s": round(sum(windows), 3),
            "seconds": {g: round(sum((cpu.get("seconds") or {}).get(g, 0) for cpu, _ in cpus), 3) for g in groups},
            "ms_per_request": {g: (total_ms[g] / requests if requests else None) for g in groups},
            "machine_busy_s": round(sum(cpu.get("machine_busy_s", 0) for cpu, _ in cpus), 3),
            "machine_busy_pct": weighted("machine_busy_pct"),
            "others_s": round(sum(cpu.get("others_s", 0) for cpu, _ in cpus), 3),
            "others_pct": weighted("others_pct"),
            "idle_servers": idle, "idle_servers_pct": weighted("idle_servers_pct"),
            **{key: {g: sum((cpu.get(key) or {}).get(g, 0) for cpu, _ in cpus) for g in
                     dict.fromkeys(g for cpu, _ in cpus for g in cpu.get(key) or {})}
               for key in ("lost_processes", "unreadable_processes")}}


def aggregate_rounds(rounds: list[dict]) -> dict:
    """One page's row at one size from its rounds (each a pass's raw numbers, kept under ``rounds``): the median
    over rounds of req/s, p50, p95, p99 (rounds in which wrk saw requests end), of the queue's drain time and of
    the load average; errors and requests summed; the server's times and CPU (``aggregate_server``,
    ``aggregate_cpu``); SQL per request from the first round's first request. With one round, the table's
    numbers are that pass's own."""
    rounds = sorted(rounds, key=lambda r: r.get("round", 1))
    answered = [r for r in rounds if r.get("requests", r.get("rps"))] or rounds
    first = rounds[0]
    row = {"requests": sum(r.get("requests", 0) for r in rounds),
           "duration_s": sum(r.get("duration_s", 0) for r in rounds),
           **{key: median(r.get(key) for r in answered) for key in ("rps", "p50_ms", "p95_ms", "p99_ms")},
           "max_ms": max(_finite(r.get("max_ms") for r in rounds), default=math.nan),
           **{key: sum(r.get(key, 0) for r in rounds) for key in ("errors", "status_errors", "socket_errors")},
           "queries": first.get("queries"),
           "drain_s": median(r.get("drain_s") for r in rounds),
           "probe_ms": median(r.get("probe_ms") for r in rounds)}
    loads = [r["loadavg"] for r in rounds if r.get("loadavg")]
    if loads:
        row["loadavg"] = [median(load[i] for load in loads) for i in range(3)]
    for key, value in (("server", aggregate_server(rounds)), ("cpu", aggregate_cpu(rounds))):
        if value is not None:
            row[key] = value
    row.update({"started_at": first.get("started_at"), "position": first.get("position"),
                "positions": [r.get("position") for r in rounds], "rounds": rounds})
    return row


def round_ratios(large: dict, small: dict) -> list[float]:
    """p95(large)/p95(small) of each round both sizes measured (paired by round number: the two passes of one
    round run back to back); a row without rounds (results written before them) is its own single round."""
    small_p95 = {r.get("round", 1): r.get("p95_ms") for r in small.get("rounds") or [small]}
    ratios = []
    for r in large.get("rounds") or [large]:
        below = small_p95.get(r.get("round", 1))
        if below and r.get("p95_ms") is not None and r.get("requests", r.get("rps")):
            ratios.append(r["p95_ms"] / below)
    return ratios


def flat_ratio(large: dict, small: dict) -> dict | None:
    """The flat-scaling ratio of a page: the median of its rounds' paired p95(large)/p95(small), their min and
    max (the noise) and how many rounds were paired; None if none was."""
    ratios = round_ratios(large, small)
    if not ratios:
        return None
    return {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios), "rounds": ratios}


class ProcessGroups:
    """The processes of one server, whose CPU its passes are charged: gunicorn (master and workers), the task
    worker, and on PostgreSQL the backends of that server's database (pg_stat_activity, without this
    sampler's own): each size has its own database, so a backend belongs to the server of its database."""

    def __init__(self, proc: subprocess.Popen, db_url: str):
        self.proc = proc
        self.pg = None
        if db_url.startswith(("postgres://", "postgresql://")):
            import psycopg

            self.pg = psycopg.connect(db_url, autocommit=True)

    def __call__(self) -> dict[str, list[int]]:
        groups = {"web": procstat.descendants(self.proc.pid), "tasks": procstat.descendants(self.proc.task_worker.pid)}
        if self.pg is not None:
            rows = self.pg.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND pid <> pg_backend_pid()").fetchall()
            groups["db"] = [row[0] for row in rows]
        return groups

    def close(self) -> None:
        if self.pg is not None:
            self.pg.close()


WARMUP_S = 3  # seconds of wrk before a page's first round on a server (capped by --duration)

IDLE = "idle"  # prefix of the idle servers' groups in a pass's sample: "idle:<size>:<group>"


def pass_groups(active: dict[str, list[int]], idle: dict[str, dict[str, list[int]]]) -> dict[str, list[int]]:
    """The groups one pass samples: the measured server's under their own names (web, tasks, db) and every
    idle server's (the other size, serving nothing meanwhile) as ``idle:<size>:<group>``, so that one sample
    holds both and the idle server's CPU is known, but never charged to the pass (``cpu_summary``). A pid
    listed for the measured server is never counted for an idle one too."""
    groups = {name: list(pids) for name, pids in active.items()}
    taken = {pid for pids in active.values() for pid in pids}
    for size, by_group in idle.items():
        for name, pids in by_group.items():
            groups[f"{IDLE}:{size}:{name}"] = [pid for pid in pids if pid not in taken]
    return groups


def cpu_summary(usage: procstat.Usage, requests: int, wrk_cpu_s: float, runner_cpu_s: float) -> dict:
    """CPU of the pass (from just before the measured wrk run until the task queue is drained) per process
    group of the measured server, in total and per request (wrk's completed requests); ``others``: the
    machine's busy time beyond those groups, wrk and this runner, i.e. other programs on the machine,
    **including the idle server of the other size**, whose CPU is also given apart (``idle_servers``)."""
    idle: dict[str, dict[str, float]] = {}
    seconds = {}
    for name, value in usage.seconds.items():
        if name.startswith(f"{IDLE}:"):
            _, size, group = name.split(":", 2)
            idle.setdefault(size, {})[group] = round(value, 3)
        else:
            seconds[name] = value
    seconds.update({"wrk": wrk_cpu_s, "runner": runner_cpu_s})
    others = max(0.0, usage.machine_busy_s - sum(seconds.values()))
    capacity = usage.window_s * (os.cpu_count() or 1)
    idle_total = sum(v for by_group in idle.values() for v in by_group.values())
    measured = set(seconds)
    return {
        "window_s": round(usage.window_s, 3),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "ms_per_request": {k: (v * 1000 / requests if requests else None) for k, v in seconds.items()},
        "machine_busy_s": round(usage.machine_busy_s, 3),
        "machine_busy_pct": 100 * usage.machine_busy_s / capacity if capacity else None,
        "others_s": round(others, 3),
        "others_pct": 100 * others / capacity if capacity else None,
        "idle_servers": idle,
        "idle_servers_pct": 100 * idle_total / capacity if capacity and idle else None,
        "lost_processes": {k: v for k, v in usage.lost.items() if k in measured},
        "unreadable_processes": {k: v for k, v in usage.unreadable.items() if k in measured},
    }


@dataclasses.dataclass
class Server:
    """One size's server for a database's run: gunicorn and its task worker on their own port, with the
    bench member logged in."""

    size: str
    db: str
    db_url: str
    targets: dict
    proc: subprocess.Popen
    base: str
    access_log: Path
    groups: ProcessGroups
    cookie: str = ""
    csrf: str = ""

    def pages(self) -> dict[str, dict]:
        return {page["name"]: page for page in self.targets["pages"]}


def start_size(size: str, db: str, db_url: str, args, stack: contextlib.ExitStack) -> Server:
    """Prepare the size's database, read its pages (which also resets the reply thread, bench/targets.py),
    start its server and log in; ``stack`` stops the server and removes its access log."""
    prepare(size, db, db_url, args)
    targets = json.loads(manage(db_url, "shell", "-v0", "-c", "import bench.targets as t; t.main()", capture=True)
                         .strip().splitlines()[-1])
    port = free_port()
    logs = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-{db}-{size}-"))
    access_log = Path(logs) / "access.log"
    proc = start_server(db_url, port, args.workers, access_log)
    stack.callback(stop_server, proc)
    groups = ProcessGroups(proc, db_url)
    stack.callback(groups.close)
    server = Server(size=size, db=db, db_url=db_url, targets=targets, proc=proc, base=f"http://127.0.0.1:{port}",
                    access_log=access_log, groups=groups)
    server.cookie, server.csrf = login(server.base, targets["member"]["email"], targets["member"]["password"])
    return server


def run_pass(server: Server, page: dict, args, idle: list[Server], first: bool = True, paths_start: int = 1,
             label: str = "") -> dict:
    """One page's measured pass on ``server``: warm-up (``first``: the page's first round on this server; later
    rounds follow its previous round on the same warm server and have none), wrk, then the task queue drained;
    the CPU of the server's processes over that window, with the ``idle`` servers' processes sampled apart.
    ``first`` also reads the SQL count (the page's first request). A page of varied paths starts its measured
    requests at ``paths_start`` (the first round: 1, after the path query_count requested; later rounds: where
    the previous round stopped, JSON ``paths_next``), so that every round sends paths not sent yet. ``label``
    (e.g. "round 2/3") goes into the log lines."""
    size, db, base = server.size, server.db, server.base
    url = base + page["path"]
    extra = {"BENCH_COOKIE": server.cookie} if page.get("auth", True) else {}
    if page.get("method") == "POST":
        extra.update({"BENCH_METHOD": "POST", "BENCH_BODY": page["body"], "BENCH_CSRF": server.csrf,
                      "BENCH_REFERER": base + page.get("referer", page["path"])})
    queries = None if page.get("method") == "POST" or not first else query_count(url, extra.get("BENCH_COOKIE", ""))
    expected = {"name": page["name"], "path": page["path"], "method": page.get("method", "GET"),
                "paths": page.get("paths")}
    warm = {**extra, "BENCH_PASS": f"warmup:{page['name']}"}
    extra = {**extra, "BENCH_PASS": page["name"]}
    if page.get("paths"):
        # One path per request (report.lua): the warm-up reads the second half of the list and
        # the measured run starts after the path query_count just requested, so the measured
        # requests are first visits (search-varied: summary-cache misses).
        paths_file = DATA / f"paths-{size}-{page['name']}.txt"
        paths_file.write_text("\n".join(page["paths"]) + "\n")
        paths_start %= len(page["paths"])
        extra = {**extra, "BENCH_PATHS": str(paths_file), "BENCH_THREADS": str(min(2, args.concurrency)),
                 "BENCH_PATHS_START": str(paths_start)}
        warm = {**extra, "BENCH_PATHS_START": str(len(page["paths"]) // 2),
                "BENCH_PASS": f"warmup:{page['name']}"}
    warmup_drain = None
    if first:
        run_wrk(url, argparse.Namespace(concurrency=args.concurrency, duration=min(WARMUP_S, args.duration)), warm)
        # What the warm-up queued (the posting page's announcements and reindexes) is done before the measured
        # requests, so that the worker's share of it does not land on them.
        warmup_drain = drain_tasks(server.db_url)
    access_log = server.access_log
    log_offset = access_log.stat().st_size if access_log.exists() else 0

    def groups():
        return pass_groups(server.groups(), {other.size: other.groups() for other in idle})

    started = datetime.now(UTC)
    runner_before = resource.getrusage(resource.RUSAGE_SELF)
    before = procstat.sample(groups())
    with speed.Probe() as probe:  # how fast the machine is during the pass (its CPU counts as the runner's)
        result = run_wrk(url, args, extra)
    result["probe_ms"] = probe.median_ms
    result["loadavg"] = list(os.getloadavg())  # at the end of the measured pass
    result["queries"] = queries
    result["drain_s"] = drain_tasks(server.db_url)
    if warmup_drain is not None:
        result["warmup_drain_s"] = warmup_drain
    after = procstat.sample(groups())
    runner_after = resource.getrusage(resource.RUSAGE_SELF)
    runner = (runner_after.ru_utime + runner_after.ru_stime) - (runner_before.ru_utime + runner_before.ru_stime)
    result["cpu"] = cpu_summary(procstat.usage(before, after), result.get("requests", 0),
                                result.pop("wrk_cpu_s"), runner)
    result["server"] = accesslog.page_times(accesslog.read_entries(access_log, log_offset), expected)
    result["started_at"] = started.strftime("%H:%M:%S")
    if page.get("paths"):
        result["paths_start"] = paths_start
        if result.get("paths_next", 0) > len(page["paths"]) // 2:
            log(f"{db}/{size} {page['name']}: WARNING the measured requests reached the paths the warm-up "
                f"requested (from {len(page['paths']) // 2}): some were cache hits; raise VARIED_COUNT")
    else:
        result.pop("paths_next", None)
    server_times, per_request = result["server"], result["cpu"]["ms_per_request"]
    round_label = f" {label} " if label else " "
    log(f"{db}/{size} {page['name']:<22}{round_label}{result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f} ms  "
        f"p95 {result['p95_ms']:7.1f} ms  errors {result['errors']}  " + (f"queries {queries}  " if first else "") +
        f"task queue drained in {result['drain_s']:.1f} s")
    idle_pct = result["cpu"]["idle_servers_pct"]
    log(f"{db}/{size} {'':<22}{' ' * len(round_label)}server p50 {server_times['p50_ms']:.1f} "
        f"p95 {server_times['p95_ms']:.1f} "
        f"p99 {server_times['p99_ms']:.1f} max {server_times['max_ms']:.1f} ms ({server_times['requests']} requests)  "
        "CPU ms/req: "
        + "  ".join(f"{k} {v:.2f}" for k, v in per_request.items() if v is not None)
        + f"  others {result['cpu']['others_pct']:.0f} % of the machine"
        + (f" (idle server {idle_pct:.1f} %)" if idle_pct is not None else "")
        + f"  load {result['loadavg'][0]:.2f}  speed probe {_number(result['probe_ms'], 2)} ms")
    return result


def kept_rounds(partial: dict | None, pages_by_size: dict[str, list[str]]) -> dict[str, dict[str, list[dict]]]:
    """The rounds a resumed run keeps from a database's partial results (``--resume``), per size and page: a
    page's round is kept when every size that has the page measured it, as the paired ratio needs both passes
    of a round (half a round is measured again, both passes)."""
    kept: dict[str, dict[str, list[dict]]] = {size: {} for size in pages_by_size}
    if not partial:
        return kept
    measured = {size: {name: {r.get("round", 1): r for r in (row.get("rounds") or [row])}
                       for name, row in (partial.get(size) or {}).get("pages", {}).items()}
                for size in pages_by_size}
    for size, names in pages_by_size.items():
        for name in names:
            sizes = [other for other, listed in pages_by_size.items() if name in listed]
            for number, row in sorted(measured[size].get(name, {}).items()):
                if all(number in measured[other].get(name, {}) for other in sizes):
                    kept[size].setdefault(name, []).append(row)
    return kept


def measure_rounds(order: list[tuple[str, str, int]], measure, kept: dict[str, dict[str, list[dict]]] | None = None,
                   progress=None) -> dict[str, dict[str, list[dict]]]:
    """Every pass of ``order`` (``schedule``) but the ``kept`` ones (``kept_rounds``), through
    ``measure(name, size, round_number=..., first=..., paths_start=...)``, which returns the pass's raw
    numbers. ``first``: the first pass of that page and size in this run (warm-up, SQL count);
    ``paths_start``: where the previous round of that page and size stopped in its list of paths (1 before
    any). Each row gets its ``round`` and its ``position`` among its page's passes (1 to sizes x rounds).
    ``progress`` is called with the rounds so far after every pass. Returns the rounds per size and page,
    kept ones included, in round order."""
    rounds = {size: {name: list(rows) for name, rows in by_page.items()} for size, by_page in (kept or {}).items()}
    done = {(size, name, row.get("round", 1)) for size, by_page in rounds.items() for name, rows in by_page.items()
            for row in rows}
    started: set[tuple[str, str]] = set()
    for number, (name, size, round_number) in enumerate(order):
        if (size, name, round_number) in done:
            continue
        previous = rounds.setdefault(size, {}).setdefault(name, [])
        paths_start = previous[-1].get("paths_next", 1) if previous else 1
        row = measure(name, size, round_number=round_number, first=(size, name) not in started,
                      paths_start=paths_start)
        started.add((size, name))
        row["round"] = round_number
        row["position"] = 1 + sum(1 for other, _, _ in order[:number] if other == name)
        previous.append(row)
        previous.sort(key=lambda r: r.get("round", 1))
        if progress is not None:
            progress(rounds)
    return rounds


def page_rows(rounds_by_page: dict[str, list[dict]], names: list[str]) -> dict[str, dict]:
    """The table's rows of one size (``aggregate_rounds``), in the pages' order."""
    return {name: aggregate_rounds(rounds_by_page[name]) for name in names if rounds_by_page.get(name)}


def partial_results(measured: dict[str, dict[str, list[dict]]], pages_by_size: dict[str, list[str]]) -> dict:
    """A database's results so far, as partial.json.tmp holds them and ``kept_rounds`` reads them back: per size,
    the pages' rows, each with its rounds."""
    return {size: {"pages": page_rows(measured.get(size, {}), names)} for size, names in pages_by_size.items()}


def bench_database(db: str, urls: dict[str, str], args, flip: bool = False, progress=None,
                   partial: dict | None = None) -> dict:
    """One database's run: a server per size, all running at once; each page's rounds back to back, each round
    one pass per size back to back (``schedule``), so that a page's sizes are measured in the same minute. The
    other size's server stays idle meanwhile (its CPU is sampled and counted under ``others``). ``partial``:
    this database's results of an interrupted run (``--resume``), whose complete rounds are kept."""
    results: dict[str, dict] = {}
    rounds = getattr(args, "rounds", 1)
    with contextlib.ExitStack() as stack:
        servers = {size: start_size(size, db, db_url, args, stack) for size, db_url in urls.items()}
        for server in servers.values():  # what preparing enqueued (the reply thread's reindex...)
            log(f"{db}/{server.size}: task queue drained in {drain_tasks(server.db_url):.1f} s before the first pass")
        pages_by_size = {size: [name for name in server.pages() if not args.pages or name in args.pages]
                         for size, server in servers.items()}
        order = schedule(pages_by_size, flip, rounds)
        kept = kept_rounds(partial, pages_by_size)
        resumed = sum(len(rows) for by_page in kept.values() for rows in by_page.values())
        log(f"{db}: {len(order)} passes ({rounds} round{'s' if rounds > 1 else ''} per page), sizes side by side: "
            + ", ".join(f"{name} {size}" for name, size, _ in order[:4]) + (" ..." if len(order) > 4 else "")
            + (f"; {resumed} kept from the partial results" if resumed else ""))

        def measure(name, size, round_number, first, paths_start):
            server = servers[size]
            idle = [other for other in servers.values() if other is not server]
            return run_pass(server, server.pages()[name], args, idle, first=first, paths_start=paths_start,
                            label=f"r{round_number}/{rounds}" if rounds > 1 else "")

        def report(measured):
            if progress is not None:
                progress(db, partial_results(measured, pages_by_size))

        measured = measure_rounds(order, measure, kept, report)
        for size, server in servers.items():
            for page in server.targets["pages"]:
                if isinstance(page.get("paths"), list):
                    page["paths"] = len(page["paths"])  # the results JSON keeps the count, not the list
            results[size] = {"pages": page_rows(measured.get(size, {}), pages_by_size[size]),
                             "worker_peak_mb": worker_peak_memory_mb(server.proc), "targets": server.targets}
        if "small" in results and "large" in results:
            for name, row in results["large"]["pages"].items():
                if name in results["small"]["pages"]:
                    row["flat_ratio"] = flat_ratio(row, results["small"]["pages"][name])
    loadavg = os.getloadavg()
    for size, db_url in urls.items():
        tasks = json.loads(manage(db_url, "shell", "-v0", "-c", TASKS_SUMMARY, capture=True).strip().splitlines()[-1])
        log(f"{db}/{size}: task queue after the run: {tasks}")
        results[size].update({"tasks": tasks, "loadavg": loadavg})
    return results


WRK_HEADER = ["page", "size", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "SQL/req",
              "p95/p95(base)", "p50/p50(base)", "p95(large)/p95(small)", "queue drained (s)"]
# What the server saw, after wrk's columns (bench/README.md explains them).
SERVER_HEADER = ["srv p50 ms", "srv p95 ms", "srv p99 ms", "CPU web ms/req", "CPU tasks ms/req",
                 "CPU db ms/req", "others' CPU %", "load 1m", "speed probe ms"]


def _number(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def server_cells(row: dict) -> list[str]:
    """The server-side columns of one page's row ("–" where the pass has no such measure, e.g. the
    database's CPU on SQLite, which runs inside the web and task workers)."""
    server = row.get("server") or {}
    cpu = row.get("cpu") or {}
    per_request = cpu.get("ms_per_request") or {}
    load = row.get("loadavg")
    return [_number(server.get("p50_ms")), _number(server.get("p95_ms")), _number(server.get("p99_ms")),
            _number(per_request.get("web"), 2), _number(per_request.get("tasks"), 2), _number(per_request.get("db"), 2),
            _number(cpu.get("others_pct"), 0), _number(load[0], 2) if load else "–",
            _number(row.get("probe_ms"), 2)]


def flat_cell(large: dict, small: dict) -> str:
    """The p95(large)/p95(small) cell: the median of the rounds' paired ratios, and with several rounds their
    spread in brackets, "1.05 (0.92–1.31)" (one round: the ratio alone, as before rounds)."""
    ratio = flat_ratio(large, small)
    if ratio is None:
        return ""
    if len(ratio["rounds"]) == 1:
        return f"{ratio['median']:.2f}"
    return f"{ratio['median']:.2f} ({ratio['min']:.2f}–{ratio['max']:.2f})"


def render_table(results: dict, args) -> str:
    lines = []
    header = WRK_HEADER + SERVER_HEADER
    blank = " |" * (len(header) - 3)  # the cells after a note row's first three
    for db, by_size in results.items():
        lines.append(f"\n### {db}\n")
        sizes = list(by_size)
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for size in sizes:
            pages = by_size[size]["pages"]
            base = pages.get("baseline")
            for name, row in pages.items():
                ratio95 = row["p95_ms"] / base["p95_ms"] if base and base["p95_ms"] else float("nan")
                ratio50 = row["p50_ms"] / base["p50_ms"] if base and base["p50_ms"] else float("nan")
                scale = ""
                if size == "large" and "small" in by_size and name in by_size["small"]["pages"]:
                    scale = flat_cell(row, by_size["small"]["pages"][name])
                queries = row["queries"] if row["queries"] is not None else "–"
                server = " | ".join(server_cells(row))
                if not row.get("requests", row["rps"]):  # every request slower than the run: wrk saw none end
                    lines.append(f"| {name} | {size} | 0 | – | – | – | no response within {args.duration} s | "
                                 f"{queries} | | | | | {server} |")
                    continue
                lines.append(f"| {name} | {size} | {row['rps']:.1f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
                             f"{row['p99_ms']:.1f} | {row['errors']} | {queries} | "
                             f"{ratio95:.1f} | {ratio50:.1f} | {scale} | {row.get('drain_s') or 0:.1f} | {server} |")
            probes = _finite(r.get("probe_ms") for row in pages.values() for r in row.get("rounds") or [row])
            if probes:
                lines.append(f"| _speed probe (ms; median of the passes, min–max)_ | {size} | "
                             f"{statistics.median(probes):.2f} ({min(probes):.2f}–{max(probes):.2f}) |{blank}")
            peak = by_size[size]["worker_peak_mb"]
            lines.append(f"| _worker peak memory_ | {size} | {peak:.0f} MB |{blank}")
            load = by_size[size].get("loadavg")
            if load:
                lines.append(f"| _load average at the end_ | {size} | {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
                             f"|{blank}")
            tasks = by_size[size].get("tasks")
            if tasks is not None:
                summary = ", ".join(f"{k} {v}" for k, v in sorted(tasks.items())) or "empty"
                lines.append(f"| _task queue after the run_ | {size} | {summary} |{blank}")
    return "\n".join(lines)


DEFAULT_ROUNDS = 3
# What a resumed run must share with the interrupted one for their rounds to be comparable.
MEASUREMENT_SETTINGS = ("duration", "concurrency", "workers", "rounds")


def measurement_settings(args) -> dict:
    return {key: getattr(args, key) for key in MEASUREMENT_SETTINGS}


def read_partial(path: Path, args) -> dict:
    """The results of an interrupted run (``--resume``): {database: {size: {"pages": ...}}}, each page with its
    rounds; refused if it was measured with other settings (``MEASUREMENT_SETTINGS``) or written before rounds."""
    if not path.exists():
        raise SystemExit(f"--resume: no partial results in {path}")
    document = json.loads(path.read_text())
    if "args" not in document or "results" not in document:
        raise SystemExit(f"--resume: {path} was written before rounds (no settings to check): run without --resume")
    wanted = measurement_settings(args)
    if document["args"] != wanted:
        raise SystemExit(f"--resume: {path} was measured with {document['args']}, this run asks for {wanted}")
    return document["results"]


def main() -> None:
    global DATA, RESULTS
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="small,large", help="comma-separated: small,large")
    parser.add_argument("--databases", default="sqlite,postgres",
                        help="sqlite and/or postgres (postgres only when DATABASE_URL points to a server)")
    parser.add_argument("--duration", type=int, default=7,
                        help="seconds of load per pass (page, size and round: 3 rounds of 7 s, about the 20 s per page "
                             "of one pass before rounds)")
    parser.add_argument("--concurrency", type=int, default=4, help="open connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--pages", nargs="*", help="only these pages (names from bench/targets.py)")
    parser.add_argument("--reseed", action="store_true", help="seed again even if a seeded database exists")
    parser.add_argument("--data-dir", type=Path, default=DATA,
                        help="the seeded SQLite databases, their markers and the path lists (default: bench/data)")
    parser.add_argument("--results-dir", type=Path, default=RESULTS,
                        help="where the tables go (default: bench/results)")
    parser.add_argument("--pg-prefix", default="comcep_bench_",
                        help="PostgreSQL database names: <prefix>small, <prefix>large (default: comcep_bench_)")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS,
                        help="rounds per page: each round one pass per size back to back, the table gives medians "
                             f"over rounds (default: {DEFAULT_ROUNDS})")
    parser.add_argument("--resume", action="store_true",
                        help="keep the rounds the interrupted run's results-dir/partial.json.tmp holds (same "
                             "--duration, --concurrency, --workers, --rounds), measure the rest")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    DATA, RESULTS = args.data_dir.resolve(), args.results_dir.resolve()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    results: dict = {}
    partial = RESULTS / "partial.json.tmp"
    resumed = read_partial(partial, args) if args.resume else {}
    RESULTS.mkdir(parents=True, exist_ok=True)
    urls_by_db: dict[str, dict[str, str]] = {}
    for size in args.sizes.split(","):
        for db, db_url in database_urls(size, args).items():
            urls_by_db.setdefault(db, {})[size] = db_url
    settings = measurement_settings(args)

    def progress(db, partial_results):  # after each pass: survives a crash of a later one (--resume)
        partial.write_text(json.dumps({"args": settings, "results": {**results, db: partial_results}}, indent=2,
                                      default=str))

    for number, (db, urls) in enumerate(urls_by_db.items()):
        earlier = resumed.get(db)
        if earlier and all((earlier.get(size) or {}).get("tasks") is not None for size in urls):
            log(f"{db}: complete in the partial results, kept")  # its run ended (queue summary written)
            results[db] = earlier
            continue
        # The second database starts with the other size: each size runs first on every page once per run.
        results[db] = bench_database(db, urls, args, flip=number % 2 == 1, progress=progress, partial=earlier)
        partial.write_text(json.dumps({"args": settings, "results": results}, indent=2, default=str))
    machine = (f"{platform.node()} · {os.cpu_count()} cores · {platform.processor() or platform.machine()} · "
               f"Python {platform.python_version()}")
    table = render_table(results, args)
    rounds_note = (f" and size in each of {args.rounds} rounds (warm-up before the first only); the table gives "
                   "the median over rounds (CPU: "
                   "totals over all rounds per request; errors: summed), p95(large)/p95(small) the median of the "
                   "rounds' paired ratios (min–max)") if args.rounds > 1 else ""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    header = (f"# Benchmark {stamp}\n\nMachine: {machine}\n\nwrk: {args.concurrency} connections, "
              f"{args.duration} s per page{rounds_note}; gunicorn: {args.workers} workers; settings "
              "comcep.settings.bench\n\n"
              "Sizes side by side: per database one server per size, each page's passes back to back, the size "
              "that runs first alternating from page to page"
              + (" and from round to round" if args.rounds > 1 else "") + " (JSON: `position`, `started_at`)\n")
    (RESULTS / f"{stamp}.md").write_text(header + table + "\n")
    document = {"machine": machine, "args": vars(args), "results": results}
    (RESULTS / f"{stamp}.json").write_text(json.dumps(document, indent=2, default=str))
    print(header + table)
    print(f"\nwritten to {RESULTS / f'{stamp}.md'}")


if __name__ == "__main__":
    sys.exit(main())
