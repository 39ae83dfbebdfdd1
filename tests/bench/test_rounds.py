"""bench/run.py's rounds (``--rounds N``): each page measured in N rounds of one pass per size back to back, the
table giving medians over rounds and p95(large)/p95(small) as the median of each round's paired ratio, with its
spread; one round gives the table as before rounds; an interrupted run resumes from its partial results (no
server, no timing: the order, the arithmetic and the bookkeeping)."""

import argparse
import json

import pytest

from bench import run
from tests.bench.test_run_table import table_rows

PAGES = ["baseline", "home", "post-reply"]


def wrk_round(round_number, rps, p50, p95, p99, requests=1000, errors=0, **extra):
    return {"round": round_number, "requests": requests, "duration_s": 4.0, "rps": rps, "p50_ms": p50, "p95_ms": p95,
            "p99_ms": p99, "max_ms": p99 * 2, "errors": errors, "status_errors": errors, "socket_errors": 0,
            "queries": 8 if round_number == 1 else None, "drain_s": 0.1 * round_number,
            "loadavg": [1.0 + round_number, 1.0, 1.0], "started_at": f"04:0{round_number}:00",
            "position": round_number, **extra}


def server(p50, p95, p99, requests=1000, slowest_ms=50.0):
    return {"requests": requests, "p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "max_ms": slowest_ms,
            "statuses": {"200": requests}, "unmatched": 0,
            "slowest": [{"ms": slowest_ms, "target": "/", "status": 200}]}


def cpu(web_s, tasks_s, requests, others_pct, window_s=4.0):
    return {"window_s": window_s, "seconds": {"web": web_s, "tasks": tasks_s},
            "ms_per_request": {"web": web_s * 1000 / requests, "tasks": tasks_s * 1000 / requests},
            "machine_busy_s": 6.0, "machine_busy_pct": 75.0, "others_s": others_pct * window_s * 2 / 100,
            "others_pct": others_pct, "idle_servers": {"large": {"web": 0.01, "tasks": 0.02}},
            "idle_servers_pct": 0.4, "lost_processes": {"web": 0, "tasks": 1}, "unreadable_processes": {"web": 0}}


# The schedule of rounds.

def test_a_pages_rounds_run_back_to_back_the_first_size_alternating_between_rounds_and_pages():
    order = run.schedule({"small": PAGES, "large": PAGES}, rounds=3)
    assert order == [
        ("baseline", "small", 1), ("baseline", "large", 1),
        ("baseline", "large", 2), ("baseline", "small", 2),
        ("baseline", "small", 3), ("baseline", "large", 3),
        ("home", "large", 1), ("home", "small", 1),  # the next page starts with the other size, as before rounds
        ("home", "small", 2), ("home", "large", 2),
        ("home", "large", 3), ("home", "small", 3),
        ("post-reply", "small", 1), ("post-reply", "large", 1),
        ("post-reply", "large", 2), ("post-reply", "small", 2),
        ("post-reply", "small", 3), ("post-reply", "large", 3),
    ]
    # Every round is a pair of adjacent passes, one per size: the two passes of a paired ratio.
    for index in range(0, len(order), 2):
        (page, _, number), (other_page, _, other_number) = order[index], order[index + 1]
        assert (page, number) == (other_page, other_number)
        assert {order[index][1], order[index + 1][1]} == {"small", "large"}


def test_with_an_even_number_of_rounds_each_size_runs_first_in_half_of_every_pages_rounds():
    order = run.schedule({"small": PAGES, "large": PAGES}, rounds=2)
    for page in PAGES:
        firsts = [size for index, (name, size, _) in enumerate(order) if name == page and index % 2 == 0]
        assert sorted(firsts) == ["large", "small"]


def test_the_second_database_starts_every_round_with_the_other_size():
    first = run.schedule({"small": PAGES, "large": PAGES}, rounds=3)
    flipped = run.schedule({"small": PAGES, "large": PAGES}, flip=True, rounds=3)
    assert [(page, number) for page, _, number in flipped] == [(page, number) for page, _, number in first]
    assert [size for _, size, _ in flipped] == [{"small": "large", "large": "small"}[size] for _, size, _ in first]


def test_one_round_is_the_schedule_before_rounds():
    pages = {"small": ["baseline", "group-page", "home"], "large": ["baseline", "home", "extra"]}
    assert run.schedule(pages, rounds=1) == run.schedule(pages)
    assert run.schedule(pages, rounds=2) == [
        ("baseline", "small", 1), ("baseline", "large", 1), ("baseline", "large", 2), ("baseline", "small", 2),
        ("group-page", "small", 1), ("group-page", "small", 2),
        ("home", "small", 1), ("home", "large", 1), ("home", "large", 2), ("home", "small", 2),
        ("extra", "large", 1), ("extra", "large", 2)]


# The aggregation of a page's rounds.

@pytest.fixture
def three_rounds():
    return [
        wrk_round(1, 300.0, 6.0, 10.0, 20.0, requests=1200, errors=1,
                  server=server(5.0, 9.0, 15.0, requests=1200, slowest_ms=80.0), cpu=cpu(6.0, 0.12, 1200, 10.0)),
        # Listed out of order: the rounds are sorted by number.
        wrk_round(3, 200.0, 9.0, 30.0, 45.0, requests=800, errors=0,
                  server=server(8.0, 25.0, 40.0, requests=800, slowest_ms=120.0), cpu=cpu(5.6, 0.08, 800, 40.0)),
        wrk_round(2, 250.0, 7.0, 12.0, 25.0, requests=1000, errors=2,
                  server=server(6.0, 11.0, 20.0, requests=1000), cpu=cpu(5.0, 0.1, 1000, 4.0, window_s=6.0)),
    ]


def test_a_rows_numbers_are_the_medians_over_rounds(three_rounds):
    row = run.aggregate_rounds(three_rounds)
    assert (row["rps"], row["p50_ms"], row["p95_ms"], row["p99_ms"]) == (250.0, 7.0, 12.0, 25.0)
    assert (row["server"]["p50_ms"], row["server"]["p95_ms"], row["server"]["p99_ms"]) == (6.0, 11.0, 20.0)
    assert row["drain_s"] == pytest.approx(0.2)
    assert row["loadavg"] == [3.0, 1.0, 1.0]
    assert row["max_ms"] == 90.0  # the highest of all rounds
    # The raw numbers of every round are kept, in round order.
    assert [r["round"] for r in row["rounds"]] == [1, 2, 3]
    assert row["rounds"][2]["p95_ms"] == 30.0


def test_errors_and_requests_are_summed_and_sql_comes_from_the_first_request(three_rounds):
    row = run.aggregate_rounds(three_rounds)
    assert (row["errors"], row["status_errors"], row["requests"]) == (3, 3, 3000)
    assert row["server"]["requests"] == 3000
    assert row["server"]["statuses"] == {"200": 3000}
    assert [e["ms"] for e in row["server"]["slowest"]] == [120.0, 80.0, 50.0]
    assert row["queries"] == 8
    assert (row["started_at"], row["position"], row["positions"]) == ("04:01:00", 1, [1, 2, 3])


def test_cpu_per_request_is_the_total_over_all_rounds_divided_by_all_requests(three_rounds):
    row = run.aggregate_rounds(three_rounds)
    # web: 6.0 + 5.0 + 5.6 = 16.6 s over 3000 requests; not the median of 5.0, 5.0 and 7.0 ms.
    assert row["cpu"]["ms_per_request"]["web"] == pytest.approx(16.6 * 1000 / 3000)
    assert row["cpu"]["ms_per_request"]["tasks"] == pytest.approx(0.3 * 1000 / 3000)
    assert row["cpu"]["seconds"] == pytest.approx({"web": 16.6, "tasks": 0.3})
    # Others' share of the machine over all the windows (4, 6 and 4 s).
    assert row["cpu"]["others_pct"] == pytest.approx((10.0 * 4 + 4.0 * 6 + 40.0 * 4) / 14)
    assert row["cpu"]["window_s"] == pytest.approx(14.0)
    assert row["cpu"]["idle_servers"] == {"large": pytest.approx({"web": 0.03, "tasks": 0.06})}
    assert row["cpu"]["lost_processes"] == {"web": 0, "tasks": 3}


def test_a_round_without_responses_adds_its_cpu_and_errors_not_its_latencies():
    answered = wrk_round(1, 100.0, 10.0, 20.0, 30.0, requests=400, cpu=cpu(2.0, 0.0, 400, 1.0))
    silent = wrk_round(2, 0.0, 0.0, 0.0, 0.0, requests=0, errors=2,
                       cpu={**cpu(1.0, 0.0, 1, 1.0), "ms_per_request": {"web": None, "tasks": None}})
    row = run.aggregate_rounds([answered, silent])
    assert (row["rps"], row["p95_ms"], row["errors"]) == (100.0, 20.0, 2)
    assert row["cpu"]["ms_per_request"]["web"] == pytest.approx(3.0 * 1000 / 400)


def test_the_flat_ratio_is_the_median_of_each_rounds_paired_ratio_with_its_spread():
    small = run.aggregate_rounds([wrk_round(1, 500.0, 2.0, 4.0, 6.0), wrk_round(2, 400.0, 2.5, 8.0, 9.0),
                                  wrk_round(3, 450.0, 2.2, 5.0, 7.0)])
    large = run.aggregate_rounds([wrk_round(1, 480.0, 2.1, 4.4, 6.0), wrk_round(2, 380.0, 2.6, 6.0, 9.0),
                                  wrk_round(3, 300.0, 3.0, 7.5, 9.5)])
    ratio = run.flat_ratio(large, small)
    # Round by round: 4.4/4 = 1.1, 6/8 = 0.75, 7.5/5 = 1.5; their median 1.1, not 6.0/5.0 = 1.2 (the medians'
    # ratio): a slow minute that slows both sizes of a round cancels out in its ratio.
    assert ratio["rounds"] == pytest.approx([1.1, 0.75, 1.5])
    assert (ratio["median"], ratio["min"], ratio["max"]) == pytest.approx((1.1, 0.75, 1.5))
    assert run.flat_cell(large, small) == "1.10 (0.75–1.50)"
    # A round one size lacks (an interrupted run) is not paired.
    assert run.round_ratios(large, {**small, "rounds": small["rounds"][:2]}) == pytest.approx([1.1, 0.75])


def test_the_table_gives_medians_and_the_flat_ratios_spread():
    rounds = {
        "small": {"baseline": [wrk_round(n, 3000.0, 0.5, p95, 1.0) for n, p95 in ((1, 0.8), (2, 1.0), (3, 0.9))],
                  "home": [wrk_round(n, 900.0, p50, p95, 5.0) for n, p50, p95 in ((1, 2.0, 3.0), (2, 2.4, 6.0),
                                                                                  (3, 2.2, 4.0))]},
        "large": {"baseline": [wrk_round(n, 3000.0, 0.5, p95, 1.0) for n, p95 in ((1, 0.8), (2, 1.2), (3, 0.9))],
                  "home": [wrk_round(n, 900.0, p50, p95, 5.0) for n, p50, p95 in ((1, 2.5, 3.3), (2, 2.0, 5.4),
                                                                                  (3, 2.1, 5.2))]},
    }
    by_size = {size: {"pages": {name: run.aggregate_rounds(rows) for name, rows in pages.items()},
                      "worker_peak_mb": 200.0} for size, pages in rounds.items()}
    header, rows = table_rows(run.render_table({"sqlite": by_size}, argparse.Namespace(duration=4)))
    assert header[:12] == ["page", "size", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "SQL/req",
                           "p95/p95(base)", "p50/p50(base)", "p95(large)/p95(small)", "queue drained (s)"]
    home = rows[("home", "large")]
    assert (home["p50 ms"], home["p95 ms"]) == ("2.1", "5.2")
    # p50(page)/p50(baseline): the median page p50 over the median baseline p50.
    assert home["p50/p50(base)"] == "4.2"
    # 3.3/3.0 = 1.10, 5.4/6.0 = 0.90, 5.2/4.0 = 1.30.
    assert home["p95(large)/p95(small)"] == "1.10 (0.90–1.30)"
    assert rows[("home", "small")]["p95(large)/p95(small)"] == ""


# One round: the table before rounds.

def test_one_round_gives_the_row_and_the_table_of_a_pass():
    raw = wrk_round(1, 230.0, 7.6, 16.2, 480.0, server=server(6.9, 12.4, 19.0),
                    cpu=cpu(4.52, 9.87, 1000, 41.0))
    row = run.aggregate_rounds([raw])
    for key in ("requests", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms", "errors", "queries", "drain_s", "loadavg",
                "started_at", "position"):
        assert row[key] == raw[key], key
    assert {k: row["server"][k] for k in ("requests", "p50_ms", "p95_ms", "p99_ms", "max_ms", "statuses")} == \
        {k: raw["server"][k] for k in ("requests", "p50_ms", "p95_ms", "p99_ms", "max_ms", "statuses")}
    assert row["cpu"]["ms_per_request"] == pytest.approx(raw["cpu"]["ms_per_request"])
    assert row["cpu"]["others_pct"] == pytest.approx(raw["cpu"]["others_pct"])

    def results(page):
        small = {"pages": {"baseline": page(wrk_round(1, 3000.0, 0.6, 0.8, 1.1)), "post-reply": page(raw)},
                 "worker_peak_mb": 201.4, "loadavg": (2.1, 1.4, 1.6), "tasks": {"SUCCESSFUL": 12}}
        large = {"pages": {"baseline": page(wrk_round(1, 2900.0, 0.6, 0.9, 1.3)),
                           "post-reply": page(wrk_round(1, 200.0, 8.0, 19.0, 500.0))},
                 "worker_peak_mb": 230.0}
        return {"sqlite": {"small": small, "large": large}}

    args = argparse.Namespace(duration=10)
    before_rounds = run.render_table(results(lambda r: r), args)
    assert run.render_table(results(lambda r: run.aggregate_rounds([r])), args) == before_rounds
    _, rows = table_rows(before_rounds)
    assert rows[("post-reply", "large")]["p95(large)/p95(small)"] == "1.17"  # no spread with one round


# Passes, warm-ups, paths and resuming.

class FakeMeasure:
    """Stands for run_pass: records its calls, returns a pass whose p95 is the call's number; a varied-paths page
    sends 100 paths per pass; ``fail_at``: the call that raises (a crash mid-run)."""

    def __init__(self, fail_at=None):
        self.calls = []
        self.fail_at = fail_at

    def __call__(self, name, size, round_number, first, paths_start):
        self.calls.append((name, size, round_number, first, paths_start))
        if len(self.calls) == self.fail_at:
            raise RuntimeError("wrk crashed")
        row = wrk_round(round_number, 100.0, 1.0, float(len(self.calls)), 3.0)
        if name == "search-varied":
            row["paths_next"] = paths_start + 100
        return row


def test_only_a_pages_first_round_on_a_server_warms_up_and_varied_paths_go_on_from_round_to_round():
    pages = {"small": ["baseline", "search-varied"], "large": ["baseline", "search-varied"]}
    measure = FakeMeasure()
    measured = run.measure_rounds(run.schedule(pages, rounds=3), measure)
    assert [call[:4] for call in measure.calls if call[3]] == [
        ("baseline", "small", 1, True), ("baseline", "large", 1, True),
        ("search-varied", "large", 1, True), ("search-varied", "small", 1, True)]
    varied_small = [call[4] for call in measure.calls if call[:2] == ("search-varied", "small")]
    assert varied_small == [1, 101, 201]  # each round starts after the paths the previous one sent
    assert [row["position"] for row in measured["large"]["search-varied"]] == [1, 4, 5]
    assert [row["round"] for row in measured["small"]["baseline"]] == [1, 2, 3]


def test_an_interrupted_run_resumes_from_its_partial_results_keeping_whole_rounds(tmp_path):
    pages = {"small": PAGES, "large": PAGES}
    order = run.schedule(pages, rounds=3)
    written = {}

    def progress(measured):  # what bench_database writes to partial.json.tmp after each pass
        written["partial"] = json.loads(json.dumps(run.partial_results(measured, pages)))

    # The 10th pass (home's round 2, its second size) crashes: home's round 2 is half measured.
    with pytest.raises(RuntimeError):
        run.measure_rounds(order, FakeMeasure(fail_at=10), progress=progress)
    partial = written["partial"]
    assert [r["round"] for r in partial["small"]["pages"]["home"]["rounds"]] == [1, 2]
    assert [r["round"] for r in partial["large"]["pages"]["home"]["rounds"]] == [1]

    settings = {"duration": 4, "concurrency": 2, "workers": 2, "rounds": 3}
    path = tmp_path / "partial.json.tmp"
    path.write_text(json.dumps({"args": settings, "results": {"sqlite": partial}}))
    args = argparse.Namespace(**settings)
    kept = run.kept_rounds(run.read_partial(path, args)["sqlite"], pages)
    # The half round is dropped: a paired ratio needs both passes of one round.
    assert {size: {name: [r["round"] for r in rows] for name, rows in by_page.items()}
            for size, by_page in kept.items()} == {"small": {"baseline": [1, 2, 3], "home": [1]},
                                                   "large": {"baseline": [1, 2, 3], "home": [1]}}

    resumed = FakeMeasure()
    measured = run.measure_rounds(order, resumed, kept)
    assert [call[:3] for call in resumed.calls] == [
        ("home", "small", 2), ("home", "large", 2), ("home", "large", 3), ("home", "small", 3),
        ("post-reply", "small", 1), ("post-reply", "large", 1), ("post-reply", "large", 2),
        ("post-reply", "small", 2), ("post-reply", "small", 3), ("post-reply", "large", 3)]
    # The first pass of a page on the new servers warms up, even if it is not the page's first round.
    assert [call[3] for call in resumed.calls[:4]] == [True, True, False, False]
    for size in pages:
        for name in PAGES:
            assert [r["round"] for r in measured[size][name]] == [1, 2, 3]
    # The kept rounds are the interrupted run's numbers; positions are those of the whole schedule.
    assert measured["small"]["baseline"] == partial["small"]["pages"]["baseline"]["rounds"]
    assert [r["position"] for r in measured["small"]["home"]] == [2, 3, 6]


def test_resuming_refuses_partial_results_of_other_settings(tmp_path):
    path = tmp_path / "partial.json.tmp"
    args = argparse.Namespace(duration=4, concurrency=2, workers=2, rounds=3)
    path.write_text(json.dumps({"args": {"duration": 10, "concurrency": 2, "workers": 2, "rounds": 1},
                                "results": {}}))
    with pytest.raises(SystemExit, match="measured with"):
        run.read_partial(path, args)
    path.write_text(json.dumps({"sqlite": {"small": {"pages": {}}}}))  # written before rounds: no settings
    with pytest.raises(SystemExit, match="before rounds"):
        run.read_partial(path, args)
    with pytest.raises(SystemExit, match="no partial results"):
        run.read_partial(tmp_path / "missing.json.tmp", args)


# The speed probe: how fast the machine was when a page was measured.

def test_each_rows_speed_probe_is_the_median_of_its_rounds_and_each_size_gets_the_runs_range():
    rounds = {
        "small": {"baseline": [wrk_round(n, 3000.0, 0.5, 0.8, 1.0, probe_ms=p) for n, p in ((1, 4.0), (2, 4.4),
                                                                                            (3, 4.2))],
                  "home": [wrk_round(n, 900.0, 2.0, 3.0, 5.0, probe_ms=p) for n, p in ((1, 6.5), (2, 5.0),
                                                                                       (3, 4.1))]},
        # Results written before the probe: no cell value, no range row.
        "large": {"baseline": [wrk_round(n, 3000.0, 0.5, 0.8, 1.0) for n in (1, 2, 3)]},
    }
    by_size = {size: {"pages": {name: run.aggregate_rounds(rows) for name, rows in pages.items()},
                      "worker_peak_mb": 200.0} for size, pages in rounds.items()}
    assert by_size["small"]["pages"]["home"]["probe_ms"] == 5.0
    _, rows = table_rows(run.render_table({"sqlite": by_size}, argparse.Namespace(duration=4)))
    assert rows[("baseline", "small")]["speed probe ms"] == "4.20"
    assert rows[("home", "small")]["speed probe ms"] == "5.00"
    assert rows[("baseline", "large")]["speed probe ms"] == "–"
    # Over every pass of the size: a run measured in a slow window shows it at a glance.
    probe_rows = {size: row for (name, size), row in rows.items() if name.startswith("_speed probe")}
    assert probe_rows["small"]["req/s"] == "4.30 (4.00–6.50)"
    assert "large" not in probe_rows
