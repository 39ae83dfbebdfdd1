"""bench/run.py's schedule: a page's small and large passes run back to back on two servers, the size that
runs first alternating; each pass is charged its own server's processes, the idle server's CPU counted
under "others" (no server, no timing: the order and the attribution only)."""

import pytest

from bench import procstat, run

PAGES = ["baseline", "home", "search-varied", "post-reply", "notifications"]


def test_each_pages_sizes_run_back_to_back_the_first_size_alternating():
    order = [(page, size) for page, size, _ in run.schedule({"small": PAGES, "large": PAGES})]
    assert order == [("baseline", "small"), ("baseline", "large"), ("home", "large"), ("home", "small"),
                     ("search-varied", "small"), ("search-varied", "large"), ("post-reply", "large"),
                     ("post-reply", "small"), ("notifications", "small"), ("notifications", "large")]
    # Every page once per size, its two passes adjacent: same minutes for the ratio.
    for index in range(0, len(order), 2):
        assert order[index][0] == order[index + 1][0]
        assert {order[index][1], order[index + 1][1]} == {"small", "large"}


def test_the_second_database_starts_with_the_other_size():
    """So that over a run neither size always follows the other's posting pass (nor always runs first)."""
    first = [(page, size) for page, size, _ in run.schedule({"small": PAGES, "large": PAGES})]
    flipped = [(page, size) for page, size, _ in run.schedule({"small": PAGES, "large": PAGES}, flip=True)]
    assert [page for page, _ in flipped] == [page for page, _ in first]
    for page in PAGES:
        assert [s for p, s in flipped if p == page] == [s for p, s in first if p == page][::-1]

    def after_posting(order):  # the size whose pass comes right after the other size's post-reply pass
        index = next(i for i, (page, _) in enumerate(order) if page == "post-reply")
        return order[index + 1][1]

    assert {after_posting(first), after_posting(flipped)} == {"small", "large"}


def test_one_size_only_and_pages_one_size_lacks():
    assert run.schedule({"small": PAGES}) == [(page, "small", 1) for page in PAGES]
    assert run.schedule({"large": PAGES}, flip=True) == [(page, "large", 1) for page in PAGES]
    # A page only one size has (e.g. no group at that size) runs alone, in its place; the alternation goes on.
    order = run.schedule({"small": ["baseline", "group-page", "home"], "large": ["baseline", "home", "extra"]})
    assert order == [("baseline", "small", 1), ("baseline", "large", 1), ("group-page", "small", 1),
                     ("home", "small", 1), ("home", "large", 1), ("extra", "large", 1)]


def test_a_pass_samples_the_idle_server_apart_and_never_twice():
    active = {"web": [100, 101, 102], "tasks": [110], "db": [300, 301]}
    idle = {"large": {"web": [200, 201, 202], "tasks": [210], "db": [400, 301]}}
    groups = run.pass_groups(active, idle)
    assert {name: groups[name] for name in ("web", "tasks", "db")} == active
    assert groups["idle:large:web"] == [200, 201, 202]
    assert groups["idle:large:tasks"] == [210]
    # A pid listed for the measured server (a backend seen in both listings) is counted once, for the pass.
    assert groups["idle:large:db"] == [400]


def test_the_idle_servers_cpu_goes_under_others_and_is_reported_apart():
    usage = procstat.Usage(seconds={"web": 2.0, "tasks": 1.0, "db": 0.5, "idle:large:web": 0.02,
                                    "idle:large:tasks": 0.05, "idle:large:db": 0.03},
                           machine_busy_s=5.0, window_s=10.0,
                           lost={"web": 0, "tasks": 0, "db": 0, "idle:large:db": 0},
                           unreadable={"web": 0, "tasks": 0, "db": 0, "idle:large:db": 1})
    summary = run.cpu_summary(usage, requests=1000, wrk_cpu_s=0.4, runner_cpu_s=0.1)
    # The pass is charged its own server only: per request and in the groups the table shows.
    assert set(summary["seconds"]) == {"web", "tasks", "db", "wrk", "runner"}
    assert summary["ms_per_request"]["web"] == pytest.approx(2.0)
    # Others = the machine's busy time beyond the pass's processes, wrk and the runner: the idle server is in it.
    assert summary["others_s"] == pytest.approx(5.0 - 4.0)
    assert summary["idle_servers"] == {"large": {"web": 0.02, "tasks": 0.05, "db": 0.03}}
    cores = run.os.cpu_count()
    assert summary["idle_servers_pct"] == pytest.approx(100 * 0.1 / (10.0 * cores))
    assert summary["unreadable_processes"] == {"web": 0, "tasks": 0, "db": 0}
    # One size only: no idle server.
    alone = run.cpu_summary(procstat.Usage(seconds={"web": 1.0, "tasks": 0.0}, machine_busy_s=2.0, window_s=5.0),
                            requests=10, wrk_cpu_s=0.0, runner_cpu_s=0.0)
    assert alone["idle_servers"] == {}
    assert alone["idle_servers_pct"] is None
