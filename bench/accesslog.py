"""Server-side request times for the load benchmark (bench/run.py), from gunicorn's access log.

wrk's latencies include the time a request waits for a free worker and wrk's coordinated-omission
correction (a request that stalls the connection for 1 s adds synthetic samples for the requests it kept
from being sent), so one server pause can become a page's p95. gunicorn's own request duration
(``%(D)s``, microseconds from the parsed request to the response written) shows what the server spent on
each request.

Every request wrk sends carries an ``X-Bench-Pass`` header (``report.lua``, from ``BENCH_PASS``): the page
name for the measured run, ``warmup:<page>`` for the warm-up. A log line belongs to a page's measured pass
when it carries that page's tag AND its method and request target are the page's (its one path, or any of
``search-varied``'s paths; POST for ``post-reply``); tagged lines with another target are counted apart
(``unmatched``), never mixed into the times.
"""

from __future__ import annotations

import contextlib
import heapq
import math
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PASS_HEADER = "X-Bench-Pass"
# tag, status, duration in microseconds, then the request line ("GET /path?query HTTP/1.1": the raw target,
# as wrk sent it, so paths with a query string match). The request line is last: it holds spaces.
ACCESS_LOG_FORMAT = '%({x-bench-pass}i)s %(s)s %(D)s "%(r)s"'
SLOWEST = 5  # the slowest requests of a pass kept in the results JSON


@dataclass(frozen=True)
class Entry:
    tag: str
    status: int
    micros: int
    method: str
    target: str


def parse_line(line: str) -> Entry | None:
    """One access-log line in ACCESS_LOG_FORMAT; None for anything else (e.g. a truncated last line)."""
    parts = line.rstrip("\n").split(" ", 3)
    if len(parts) != 4 or not parts[3].startswith('"') or not parts[3].endswith('"'):
        return None
    tag, status, micros, request = parts
    request_line = request[1:-1].split(" ")
    if len(request_line) != 3 or not status.isdigit() or not micros.isdigit():
        return None
    method, target, _protocol = request_line
    return Entry(tag=tag, status=int(status), micros=int(micros), method=method, target=target)


def read_entries(path: Path, offset: int = 0) -> list[Entry]:
    """The parsed lines of the log from byte ``offset`` (the log's size when a pass started)."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read()
    return [entry for raw in data.decode("utf-8", "replace").splitlines() if (entry := parse_line(raw))]


def normalise_target(target: str) -> str:
    """A request target comparable with a path of bench/targets.py: percent-decoded. gunicorn decodes
    the raw request line as latin-1, so a UTF-8 path comes back as mojibake: undo that first."""
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        target = target.encode("latin-1").decode("utf-8")
    return urllib.parse.unquote(target)


def expected_targets(page: dict) -> set[str]:
    """Every request target the page's measured pass sends (normalised)."""
    paths = page["paths"] if isinstance(page.get("paths"), list) else [page["path"]]
    return {normalise_target(path) for path in paths}


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list (the value below which ``pct`` % of the samples lie)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def page_times(entries: Iterable[Entry], page: dict, tag: str | None = None) -> dict:
    """Server-side times of one page's measured pass: requests, p50/p95/p99/max in ms, the statuses seen,
    the ``slowest`` requests (up to SLOWEST, slowest first, with their targets: which of search-varied's
    queries were slow), and how many lines carried the page's tag but another method or target
    (``unmatched``)."""
    tag = tag or page["name"]
    method = page.get("method", "GET")
    wanted = expected_targets(page)
    durations: list[float] = []
    statuses: dict[str, int] = {}
    unmatched = 0
    matched: list[Entry] = []
    for entry in entries:
        if entry.tag != tag:
            continue
        if entry.method != method or normalise_target(entry.target) not in wanted:
            unmatched += 1
            continue
        durations.append(entry.micros / 1000)
        matched.append(entry)
        statuses[str(entry.status)] = statuses.get(str(entry.status), 0) + 1
    durations.sort()
    return {"requests": len(durations), "p50_ms": percentile(durations, 50), "p95_ms": percentile(durations, 95),
            "p99_ms": percentile(durations, 99), "max_ms": durations[-1] if durations else math.nan,
            "statuses": statuses, "unmatched": unmatched,
            "slowest": [{"ms": e.micros / 1000, "target": normalise_target(e.target), "status": e.status}
                        for e in heapq.nlargest(SLOWEST, matched, key=lambda e: e.micros)]}
