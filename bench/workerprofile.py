"""Where a gunicorn worker's CPU goes, request by request (bench only; off unless ``BENCH_WORKER_PROFILE`` names
a directory).

bench/run.py charges a page the CPU of the whole web process group over its pass, divided by the requests
("CPU web ms/req"); bench/inprocess.py times the same page through Django's test client. To tell the two apart,
bench/gunicorn.conf.py's hooks call this module when ``BENCH_WORKER_PROFILE`` is set: each sync worker times
(``time.process_time``, the process's CPU) the stretches of its request loop, per pass tag (the
``X-Bench-Pass`` header, bench/accesslog.py):

- ``between``: from the previous request's ``post_request`` to this one's ``pre_request``: freeing the previous
  request's objects (the sync worker's locals die after ``post_request``), closing its connection (gunicorn's
  ``close_graceful``), the worker loop (heartbeat, ``select``), ``accept`` and parsing the request line and
  headers; split into ``free``, ``close_connection`` and ``accept_parse`` (``close_graceful`` timed);
- ``environ``: gunicorn's WSGI environ and response object (``pre_request`` to the application's call);
- ``app``: Django's handler, middleware, view and rendering, until it returns the response — what the test
  client measures, the test client's own work aside;
- ``write``: sending the response (from the application's return to the access log);
- ``access_log``: formatting and writing the access-log line;
- ``close``: the response's ``close()`` (Django's ``request_finished`` signal: ``close_old_connections``...);
- ``post``: from there to the end of ``post_request`` (the gc-freeze hook);
- ``gc``: the garbage collector's passes, wherever they fall (also inside the stretches above), with their
  count per generation.

Each worker writes ``<dir>/worker-<pid>.json`` at most once a second and when it exits: per tag, the requests,
the CPU seconds of every stretch, each request's ``app`` and whole-cycle CPU (for medians), and the worker's user
and system CPU (``getrusage``) from the end of the previous request to the end of each of the tag's requests.
``BENCH_WORKER_CPROFILE=<tag>`` also runs cProfile (CPU clock) over that tag's requests, from ``pre_request`` to
``post_request``, written to ``<dir>/worker-<pid>-<tag>.prof``. ``python bench/workerprofile.py <dir>`` prints
the per-request summary of every tag, all workers added up.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import time
from pathlib import Path

ENV_DIR = "BENCH_WORKER_PROFILE"
ENV_CPROFILE = "BENCH_WORKER_CPROFILE"
STRETCHES = ("between", "environ", "app", "write", "access_log", "close", "post")
WRITE_EVERY_S = 1.0
# ``between`` split: the previous request's objects freed (the sync worker's locals, after ``post_request``), its
# connection closed (``close_graceful``), then the loop, ``accept`` and the parsing of this request.
BETWEEN = ("free", "close_connection", "accept_parse")
MAX_SAMPLES = 20000  # per tag: each request's app and whole-cycle CPU, for their medians


def _empty_stats() -> dict:
    """One tag's counters, in a worker and added up over the workers (``summary``)."""
    return {"requests": 0, "cpu_s": dict.fromkeys(STRETCHES, 0.0), "gc_s": 0.0, "gc_collections": {}, "user_s": 0.0,
            "system_s": 0.0, "app_samples": [], "cycle_samples": [], "between_s": dict.fromkeys(BETWEEN, 0.0)}


def enabled() -> bool:
    return bool(os.environ.get(ENV_DIR))


def rusage_times() -> tuple[float, float]:
    """This process's user and system CPU seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


class WorkerProfile:
    """The stretches of one worker's requests, per tag. ``clock``: CPU seconds (``time.process_time``);
    ``times``: the process's (user, system) seconds."""

    def __init__(self, directory: Path | str, pid: int | None = None, clock=time.process_time, times=rusage_times,
                 cprofile_tag: str = ""):
        self.path = Path(directory) / f"worker-{pid or os.getpid()}.json"
        self.clock = clock
        self.times = times
        self.tags: dict[str, dict] = {}
        self.tag = ""
        self.marks: dict[str, float] = {}
        self.last_post: float | None = None
        self.connection_marks: list[float] = []  # gunicorn's close_graceful of the previous connection
        self.last_times = None
        self.gc_started: float | None = None
        self.written_at = 0.0
        self.cprofile_tag = cprofile_tag
        self.profiles: dict[str, object] = {}

    # -- hooks ---------------------------------------------------------------------------------------------
    def pre_request(self, tag: str) -> None:
        now = self.clock()
        self.tag = tag or "-"
        stats = self._stats(self.tag)
        if self.last_post is not None:
            stats["cpu_s"]["between"] += now - self.last_post
            closing = self.connection_marks
            if len(closing) == 2 and self.last_post <= closing[0] <= closing[1] <= now:
                split = stats["between_s"]
                split["free"] += closing[0] - self.last_post
                split["close_connection"] += closing[1] - closing[0]
                split["accept_parse"] += now - closing[1]
        self.connection_marks = []
        self.marks = {"pre": now}
        profile = self._profile(self.tag)
        if profile is not None:
            profile.enable()

    def app_called(self) -> None:
        self.marks["app"] = self.clock()

    def app_returned(self) -> None:
        self.marks["returned"] = self.clock()

    def access_log_started(self) -> None:
        self.marks["log"] = self.clock()

    def access_log_ended(self) -> None:
        self.marks["logged"] = self.clock()

    def close_started(self) -> None:
        self.marks["close"] = self.clock()

    def close_ended(self) -> None:
        self.marks["closed"] = self.clock()

    def connection_closing(self) -> None:
        self.connection_marks = [self.clock()]

    def connection_closed(self) -> None:
        if len(self.connection_marks) == 1:
            self.connection_marks.append(self.clock())

    def post_request(self) -> None:
        profile = self.profiles.get(self.tag)
        if profile is not None:
            profile.disable()
        now = self.clock()
        stats = self._stats(self.tag)
        stats["requests"] += 1
        marks = dict(self.marks)
        order = ["pre", "app", "returned", "log", "logged", "close", "closed"]
        # A stretch whose end mark is missing (an exception, a hook not reached) is folded into the next one.
        points = [(name, marks[name]) for name in order if name in marks] + [("end", now)]
        names = {"pre": "environ", "app": "app", "returned": "write", "log": "access_log", "logged": "write",
                 "close": "close", "closed": "post"}
        for (name, start), (_, end) in zip(points, points[1:], strict=False):
            stats["cpu_s"][names[name]] += end - start
        if len(stats["app_samples"]) < MAX_SAMPLES and "app" in marks and "returned" in marks:
            stats["app_samples"].append(round(marks["returned"] - marks["app"], 7))
            cycle = now - (self.last_post if self.last_post is not None else marks["pre"])
            stats["cycle_samples"].append(round(cycle, 7))
        after = self.times()
        if self.last_times is not None:  # the whole cycle, from the previous request's end ("between" too)
            stats["user_s"] += after[0] - self.last_times[0]
            stats["system_s"] += after[1] - self.last_times[1]
        self.last_times = after
        self.last_post = self.clock()
        if self.last_post - self.written_at >= WRITE_EVERY_S:
            self.write()

    def gc_callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self.gc_started = self.clock()
            return
        if self.gc_started is None:
            return
        stats = self._stats(self.tag or "-")
        stats["gc_s"] += self.clock() - self.gc_started
        key = str(info.get("generation", "?"))
        stats["gc_collections"][key] = stats["gc_collections"].get(key, 0) + 1
        self.gc_started = None

    # -- results -------------------------------------------------------------------------------------------
    def _stats(self, tag: str) -> dict:
        if tag not in self.tags:
            self.tags[tag] = _empty_stats()
        return self.tags[tag]

    def _profile(self, tag: str):
        if not self.cprofile_tag or tag != self.cprofile_tag:
            return None
        if tag not in self.profiles:
            import cProfile

            self.profiles[tag] = cProfile.Profile(time.process_time)
        return self.profiles[tag]

    def write(self) -> None:
        self.written_at = self.clock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"pid": os.getpid(), "tags": self.tags}, indent=1))
        temporary.replace(self.path)
        for tag, profile in self.profiles.items():
            profile.dump_stats(str(self.path.with_name(f"{self.path.stem}-{tag.replace(':', '_')}.prof")))


class _TimedIterable:
    """The application's response iterable, with ``close()`` timed (Django's ``request_finished``)."""

    def __init__(self, iterable, profile: WorkerProfile):
        self.iterable = iterable
        self.profile = profile

    def __iter__(self):
        return iter(self.iterable)

    def close(self):
        self.profile.close_started()
        try:
            if hasattr(self.iterable, "close"):
                self.iterable.close()
        finally:
            self.profile.close_ended()


def wrap_application(application, profile: WorkerProfile):
    def timed(environ, start_response):
        profile.app_called()
        try:
            result = application(environ, start_response)
        finally:
            profile.app_returned()
        return _TimedIterable(result, profile)

    return timed


def _timed_between(function, started, ended):
    """``function``, with ``started()`` before each call and ``ended()`` after it (even when it raises)."""
    def timed(*args, **kwargs):
        started()
        try:
            return function(*args, **kwargs)
        finally:
            ended()

    return timed


def wrap_access_log(access, profile: WorkerProfile):
    return _timed_between(access, profile.access_log_started, profile.access_log_ended)


def wrap_connection_close(close, profile: WorkerProfile):
    return _timed_between(close, profile.connection_closing, profile.connection_closed)


_profile: WorkerProfile | None = None


def install(worker) -> None:
    """From ``post_worker_init``: time this worker's requests (bench/gunicorn.conf.py)."""
    global _profile
    _profile = WorkerProfile(os.environ[ENV_DIR], cprofile_tag=os.environ.get(ENV_CPROFILE, ""))
    worker.wsgi = wrap_application(worker.wsgi, _profile)
    worker.log.access = wrap_access_log(worker.log.access, _profile)
    from gunicorn import util

    util.close_graceful = wrap_connection_close(util.close_graceful, _profile)
    gc.callbacks.append(_profile.gc_callback)


def pre_request(worker, req) -> None:
    if _profile is not None:
        tag = next((value for name, value in req.headers if name.upper() == "X-BENCH-PASS"), "")
        _profile.pre_request(tag)


def post_request(worker, req, environ, resp) -> None:
    if _profile is not None:
        _profile.post_request()


def worker_exit(server, worker) -> None:
    if _profile is not None:
        _profile.write()


def summary(directory: Path | str) -> dict[str, dict]:
    """Every worker's file of ``directory`` added up per tag: requests, and per request the CPU ms of every
    stretch, of the garbage collector, the user and system ms, and the collections per generation."""
    totals: dict[str, dict] = {}
    for path in sorted(Path(directory).glob("worker-*.json")):
        for tag, stats in json.loads(path.read_text())["tags"].items():
            total = totals.setdefault(tag, _empty_stats())
            total["requests"] += stats["requests"]
            for name in STRETCHES:
                total["cpu_s"][name] += stats["cpu_s"].get(name, 0.0)
            for key in ("gc_s", "user_s", "system_s"):
                total[key] += stats.get(key, 0.0)
            for key in ("app_samples", "cycle_samples"):
                total[key].extend(stats.get(key, []))
            for name in BETWEEN:
                total["between_s"][name] += stats.get("between_s", {}).get(name, 0.0)
            for generation, count in stats.get("gc_collections", {}).items():
                total["gc_collections"][generation] = total["gc_collections"].get(generation, 0) + count
    result = {}
    for tag, total in totals.items():
        n = total["requests"] or 1
        per_request = {name: 1000 * value / n for name, value in total["cpu_s"].items()}
        result[tag] = {"requests": total["requests"], "ms_per_request": per_request,
                       "total_ms_per_request": sum(per_request.values()),
                       "gc_ms_per_request": 1000 * total["gc_s"] / n,
                       "between_ms_per_request": {name: 1000 * value / n for name, value in total["between_s"].items()},
                       "user_ms_per_request": 1000 * total["user_s"] / n,
                       "system_ms_per_request": 1000 * total["system_s"] / n,
                       "gc_collections": total["gc_collections"],
                       "app_p50_ms": _median_ms(total["app_samples"]),
                       "cycle_p50_ms": _median_ms(total["cycle_samples"])}
    return result


def _median_ms(samples: list[float]) -> float | None:
    import statistics

    return 1000 * statistics.median(samples) if samples else None


def main() -> None:
    import sys

    for tag, row in sorted(summary(sys.argv[1]).items()):
        stretches = "  ".join(f"{name} {value:.3f}" for name, value in row["ms_per_request"].items())
        print(f"{tag:<28} n={row['requests']:6d}  total {row['total_ms_per_request']:.3f} ms/req  {stretches}  "
              f"gc {row['gc_ms_per_request']:.3f} {row['gc_collections']}  "
              f"user {row['user_ms_per_request']:.2f} sys {row['system_ms_per_request']:.2f}  "
              f"p50: app {row['app_p50_ms'] or 0:.3f} cycle {row['cycle_p50_ms'] or 0:.3f}  between: "
              + " ".join(f"{name} {value:.3f}" for name, value in row["between_ms_per_request"].items()))


if __name__ == "__main__":
    main()
