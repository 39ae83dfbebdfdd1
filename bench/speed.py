"""The machine's speed at the moment of a pass: the CPU time of a fixed piece of Python work.

On the benchmark VM the same request costs up to 1.5-2 x more CPU in one window than in another, with nothing
else running in the VM and the same code and data (docs/performance.md, "Session 17: the SQLite drift"); wrk's
own CPU per request rises with it, so the cause is outside the pages, most likely outside the VM (the host's
other tenants), where no counter inside it shows it (steal time stays ~0). A page's CPU per
request is therefore comparable from run to run only together with how fast the machine was. ``Probe`` times the
same work every 0.5 s while a pass runs, and bench/run.py records each pass's median (``probe_ms``) and reports it
per page and per run ("speed probe ms": higher is a slower machine).

The work is what a page's rendering does most: building dicts, sorting, formatting and escaping strings, JSON.
It never changes (a change would make older results incomparable; give it a new name instead).
"""

from __future__ import annotations

import html
import json
import statistics
import threading
import time

ROWS = 2000


def work() -> int:
    """A fixed amount of Python work (~5 ms of CPU on the benchmark VM); its result, so nothing is skipped."""
    rows = [{"id": i, "title": f"Sujet {i} « réponse » & co", "n": (i * 7919) % 1000} for i in range(ROWS)]
    rows.sort(key=lambda row: (row["n"], row["id"]))
    page = "".join(f'<li data-id="{row["id"]}">{html.escape(row["title"])} ({row["n"]})</li>' for row in rows)
    return len(page) + len(json.loads(json.dumps(rows)))


class Probe:
    """``work`` timed every ``interval`` seconds in a thread of this process while a pass runs (``with Probe() as
    probe: ...``; ``probe.median_ms`` afterwards, None if no sample was taken): the machine's speed in the pass's
    own window, under the same load as the servers. Each sample is the thread's own CPU time, ~5 ms of it every
    0.5 s: 1 % of one core, the same in every pass."""

    def __init__(self, interval: float = 0.5):
        self.interval = interval
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="speed-probe", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.thread_time()
            work()
            self.samples.append((time.thread_time() - started) * 1000)
            self._stop.wait(self.interval)

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None
