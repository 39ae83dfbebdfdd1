"""CPU time per process group from /proc, for the load benchmark (bench/run.py).

Around each page's measured pass, run.py samples the CPU time (utime + stime, ``/proc/<pid>/stat``) of
the gunicorn processes, the task worker (``manage.py db_worker``) and, on PostgreSQL, the server backends of
the benchmark's database, plus the machine's busy time (``/proc/stat``). The deltas divided by the requests
show where a page's CPU goes: posting a reply costs in the web worker, in the task worker (its
notifications and reindexing) and in PostgreSQL; what the machine spent beyond them (``others``) is CPU
the benchmark competed with.

A process is identified by (pid, start time), so a reused pid is never subtracted from another process's
time. A process present at the end but not at the start counts in full (it started during the pass); one
gone by the end loses its time since the start sample (counted in ``lost``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Stat:
    pid: int
    ppid: int
    cpu_ticks: int  # utime + stime
    start_ticks: int  # since boot: with the pid, identifies the process


def parse_stat(text: str) -> Stat:
    """``/proc/<pid>/stat``. The command name (field 2) is in parentheses and may itself hold spaces and
    parentheses: the fields are counted after its last ``)``."""
    pid = int(text[: text.index(" ")])
    rest = text[text.rindex(")") + 2:].split()
    # rest[0] is field 3 (state): field n is rest[n - 3].
    return Stat(pid=pid, ppid=int(rest[1]), cpu_ticks=int(rest[11]) + int(rest[12]), start_ticks=int(rest[19]))


def read_stat(pid: int, proc: Path = PROC) -> Stat | None:
    try:
        return parse_stat((proc / str(pid) / "stat").read_text())
    except (OSError, ValueError, IndexError):
        return None  # gone, or not readable


def all_stats(proc: Path = PROC) -> list[Stat]:
    stats = []
    for entry in proc.iterdir():
        if entry.name.isdigit() and (stat := read_stat(int(entry.name), proc)) is not None:
            stats.append(stat)
    return stats


def descendants(root: int, proc: Path = PROC) -> list[int]:
    """``root`` and every process below it (children, their children...)."""
    children: dict[int, list[int]] = {}
    for stat in all_stats(proc):
        children.setdefault(stat.ppid, []).append(stat.pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def machine_busy_seconds(proc: Path = PROC) -> float:
    """CPU seconds the machine spent busy (all CPUs, every state but idle and iowait), from ``/proc/stat``.
    guest and guest_nice are already inside user and nice: not added twice."""
    for line in (proc / "stat").read_text().splitlines():
        if line.startswith("cpu "):
            values = [int(v) for v in line.split()[1:]]
            user, nice, system, _idle, _iowait, irq, softirq, steal = (values + [0] * 8)[:8]
            return (user + nice + system + irq + softirq + steal) / CLK_TCK
    raise ValueError("no cpu line in /proc/stat")


@dataclass
class Sample:
    processes: dict[str, dict[tuple[int, int], int]]  # group -> (pid, start) -> CPU ticks
    machine_busy_s: float
    at: float  # time.monotonic()
    unreadable: dict[str, int] = field(default_factory=dict)  # group -> listed pids without a readable stat


@dataclass
class Usage:
    seconds: dict[str, float]  # group -> CPU seconds in the window
    machine_busy_s: float
    window_s: float
    lost: dict[str, int] = field(default_factory=dict)  # group -> processes gone before the end sample
    unreadable: dict[str, int] = field(default_factory=dict)  # group -> pids listed at the end, stat unreadable

    @property
    def others_s(self) -> float:
        """What the machine spent beyond the sampled groups (other programs; never below zero)."""
        return max(0.0, self.machine_busy_s - sum(self.seconds.values()))


def sample(groups: dict[str, Iterable[int]], proc: Path = PROC, now: Callable[[], float] | None = None) -> Sample:
    import time

    processes, unreadable = {}, {}
    for name, pids in groups.items():
        pids = set(pids)
        processes[name] = {(stat.pid, stat.start_ticks): stat.cpu_ticks
                           for pid in pids if (stat := read_stat(pid, proc)) is not None}
        # A process that ended between listing and reading, or one this user may not read (another user's
        # processes under hidepid): its time is missing from the group, so say how many.
        unreadable[name] = len(pids) - len(processes[name])
    return Sample(processes=processes, machine_busy_s=machine_busy_seconds(proc), at=(now or time.monotonic)(),
                  unreadable=unreadable)


def usage(before: Sample, after: Sample) -> Usage:
    seconds, lost = {}, {}
    for name, end in after.processes.items():
        start = before.processes.get(name, {})
        seconds[name] = sum(ticks - start.get(key, 0) for key, ticks in end.items()) / CLK_TCK
        lost[name] = len(set(start) - set(end))
    return Usage(seconds=seconds, machine_busy_s=after.machine_busy_s - before.machine_busy_s,
                 window_s=after.at - before.at, lost=lost, unreadable=dict(after.unreadable))
