"""bench/run.py's results table: wrk's columns unchanged, the server-side columns beside them, each value
under its own header; and the CPU summary of a pass."""

import argparse

import pytest

from bench import procstat, run


def wrk_row(rps, p50, p95, p99, **extra):
    return {"requests": int(rps * 5), "rps": rps, "p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "errors": 0,
            "queries": 8, "drain_s": 0.0, **extra}


def diagnostics(srv, web, tasks, db, others, load):
    return {"server": {"requests": 100, "p50_ms": srv[0], "p95_ms": srv[1], "p99_ms": srv[2], "max_ms": srv[2],
                       "statuses": {"200": 100}, "unmatched": 0},
            "cpu": {"ms_per_request": {"web": web, "tasks": tasks, "db": db, "wrk": 0.1, "runner": 0.01},
                    "others_pct": others},
            "loadavg": [load, 1.0, 0.5]}


def table_rows(markdown):
    """{(page, size): {header: cell}} and the header, from the rendered markdown of one database."""
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line[1:-1].split("|")]
        assert len(cells) == len(header), line
        rows[(cells[0], cells[1])] = dict(zip(header, cells, strict=True))
    return header, rows


@pytest.fixture
def results():
    pages = {
        "baseline": wrk_row(3000.0, 0.6, 0.8, 1.1, **diagnostics((0.4, 0.6, 0.9), 0.31, 0.0, 0.0, 5.0, 1.93)),
        "post-reply": wrk_row(230.0, 7.6, 16.2, 480.0, **diagnostics((6.9, 12.4, 19.0), 4.52, 9.87, 3.21, 41.0, 2.5)),
        # A result written before the server-side columns existed: "–", not a crash.
        "home": wrk_row(750.0, 2.5, 3.2, 5.0),
    }
    pages["post-reply"]["queries"] = None
    sqlite = {**diagnostics((1, 2, 3), 1.0, 0.0, None, 0.0, 1.0)}
    sqlite_pages = {"baseline": wrk_row(3100.0, 0.6, 0.8, 1.5, **sqlite)}
    return {"postgres": {"small": {"pages": pages, "worker_peak_mb": 201.4, "loadavg": (2.1, 1.4, 1.6),
                                   "tasks": {"SUCCESSFUL": 12}}},
            "sqlite": {"small": {"pages": sqlite_pages, "worker_peak_mb": 190.0, "loadavg": (1.0, 1.0, 1.0),
                                 "tasks": {}}}}


def test_wrk_columns_unchanged_and_server_columns_beside_them(results):
    markdown = run.render_table(results, argparse.Namespace(duration=5))
    postgres = markdown.split("### sqlite")[0]
    header, rows = table_rows(postgres)
    assert header[:12] == ["page", "size", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "SQL/req",
                           "p95/p95(base)", "p50/p50(base)", "p95(large)/p95(small)", "queue drained (s)"]
    assert header[12:] == ["srv p50 ms", "srv p95 ms", "srv p99 ms", "CPU web ms/req", "CPU tasks ms/req",
                           "CPU db ms/req", "others' CPU %", "load 1m", "speed probe ms"]

    posting = rows[("post-reply", "small")]
    assert (posting["req/s"], posting["p50 ms"], posting["p95 ms"], posting["p99 ms"]) == ("230.0", "7.6", "16.2",
                                                                                           "480.0")
    assert posting["SQL/req"] == "–"
    assert posting["p95/p95(base)"] == "20.2"
    assert (posting["srv p50 ms"], posting["srv p95 ms"], posting["srv p99 ms"]) == ("6.9", "12.4", "19.0")
    assert (posting["CPU web ms/req"], posting["CPU tasks ms/req"], posting["CPU db ms/req"]) == ("4.52", "9.87",
                                                                                                   "3.21")
    assert (posting["others' CPU %"], posting["load 1m"]) == ("41", "2.50")

    old = rows[("home", "small")]
    assert old["p95 ms"] == "3.2"
    assert [old[name] for name in header[12:]] == ["–"] * 9
    # The note rows keep the table's shape (table_rows checks every row has as many cells as the header).
    assert rows[("_worker peak memory_", "small")]["req/s"] == "201 MB"
    assert rows[("_task queue after the run_", "small")]["req/s"] == "SUCCESSFUL 12"


def test_sqlite_has_no_database_server_cpu(results):
    markdown = run.render_table(results, argparse.Namespace(duration=5))
    _, rows = table_rows(markdown.split("### sqlite")[1])
    assert rows[("baseline", "small")]["CPU db ms/req"] == "–"
    assert rows[("baseline", "small")]["CPU web ms/req"] == "1.00"


def test_cpu_summary_per_request_and_others():
    usage = procstat.Usage(seconds={"web": 2.0, "tasks": 1.5, "db": 0.5}, machine_busy_s=7.0, window_s=5.0,
                           lost={"web": 0, "tasks": 0, "db": 1}, unreadable={"web": 0, "tasks": 0, "db": 2})
    summary = run.cpu_summary(usage, requests=500, wrk_cpu_s=0.4, runner_cpu_s=0.1)
    assert summary["ms_per_request"] == pytest.approx({"web": 4.0, "tasks": 3.0, "db": 1.0, "wrk": 0.8,
                                                       "runner": 0.2})
    cores = run.os.cpu_count()
    assert summary["others_s"] == pytest.approx(2.5)
    assert summary["others_pct"] == pytest.approx(100 * 2.5 / (5.0 * cores))
    assert summary["machine_busy_pct"] == pytest.approx(100 * 7.0 / (5.0 * cores))
    assert summary["lost_processes"] == {"web": 0, "tasks": 0, "db": 1}
    assert summary["unreadable_processes"] == {"web": 0, "tasks": 0, "db": 2}
    assert run.cpu_summary(usage, requests=0, wrk_cpu_s=0, runner_cpu_s=0)["ms_per_request"]["web"] is None


@pytest.mark.django_db
def test_process_groups_find_the_bench_databases_backends():
    """PostgreSQL: the `db` group is the backends of the bench's database (here the test database, whose
    backend serves this test), without the sampler's own connection."""
    from types import SimpleNamespace

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the database server's backends: PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        ours = cursor.fetchone()[0]
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    me = SimpleNamespace(pid=run.os.getpid(), task_worker=SimpleNamespace(pid=run.os.getpid()))
    groups = run.ProcessGroups(me, url)
    try:
        found = groups()
        sampler = groups.pg.execute("SELECT pg_backend_pid()").fetchone()[0]
    finally:
        groups.close()
    assert ours in found["db"]
    assert sampler not in found["db"]
    assert run.os.getpid() in found["web"]
    # The backends are processes this user can read: their CPU is counted, not silently zero.
    taken = procstat.sample({"db": found["db"]})
    assert taken.unreadable["db"] == 0
