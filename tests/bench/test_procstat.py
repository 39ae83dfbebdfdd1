"""bench/procstat.py: CPU time per process group from /proc (fake /proc trees, and the real current process)."""

import os
import resource
import time

import pytest

from bench import procstat

TICK = procstat.CLK_TCK


def stat_line(pid, comm, ppid, utime, stime, start):
    # 52 fields as in Linux's /proc/<pid>/stat: field 4 ppid, 14 utime, 15 stime, 22 starttime.
    fields = [str(pid), f"({comm})", "S", str(ppid)] + ["0"] * 48
    fields[13], fields[14], fields[21] = str(utime), str(stime), str(start)
    return " ".join(fields) + "\n"


def fake_proc(root, processes, busy_ticks=(0, 0, 0)):
    """processes: {pid: (comm, ppid, utime, stime, start)}; busy_ticks: user, nice, system of /proc/stat."""
    root.mkdir(exist_ok=True)
    for entry in root.iterdir():
        if entry.name.isdigit():
            (entry / "stat").unlink()
            entry.rmdir()
    for pid, (comm, ppid, utime, stime, start) in processes.items():
        (root / str(pid)).mkdir()
        (root / str(pid) / "stat").write_text(stat_line(pid, comm, ppid, utime, stime, start))
    user, nice, system = busy_ticks
    (root / "stat").write_text(f"cpu  {user} {nice} {system} 9000 50 3 4 1 7 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n")
    (root / "self").mkdir(exist_ok=True)  # not a process: ignored


def test_parse_stat_with_spaces_and_parentheses_in_the_name():
    stat = procstat.parse_stat(stat_line(4242, "gunicorn: worker (comcep) x", 4200, 150, 30, 777))
    assert (stat.pid, stat.ppid, stat.cpu_ticks, stat.start_ticks) == (4242, 4200, 180, 777)


def test_descendants_walk_the_tree(tmp_path):
    proc = tmp_path / "proc"
    fake_proc(proc, {1: ("init", 0, 0, 0, 1), 100: ("gunicorn", 1, 5, 1, 10), 101: ("gunicorn", 100, 50, 5, 11),
                     102: ("gunicorn", 100, 60, 6, 12), 150: ("python", 101, 1, 1, 13),
                     200: ("db_worker", 1, 9, 9, 14)})
    assert sorted(procstat.descendants(100, proc)) == [100, 101, 102, 150]
    assert procstat.descendants(200, proc) == [200]


def test_machine_busy_seconds_leaves_idle_and_iowait_out(tmp_path):
    proc = tmp_path / "proc"
    fake_proc(proc, {}, busy_ticks=(100, 20, 30))
    # user + nice + system + irq + softirq + steal = 100 + 20 + 30 + 3 + 4 + 1; guest (7) is inside user already.
    assert procstat.machine_busy_seconds(proc) == pytest.approx(158 / TICK)


def test_usage_between_two_samples(tmp_path):
    proc = tmp_path / "proc"
    clock = iter([10.0, 14.0])
    fake_proc(proc, {100: ("gunicorn", 1, 5, 1, 10), 101: ("gunicorn", 100, 50, 5, 11),
                     102: ("gunicorn", 100, 60, 6, 12), 300: ("postgres", 1, 7, 3, 20), 301: ("postgres", 1, 2, 2, 21)},
              busy_ticks=(1000, 0, 500))
    before = procstat.sample({"web": [100, 101, 102], "db": [300, 301]}, proc, now=lambda: next(clock))
    # 101 worked 40 + 10 ticks; 102 was replaced by a new worker under the same pid (another start time): its
    # 30 ticks all count, never 30 - 66; backend 301 exited (lost); backend 302 connected and worked 8 ticks.
    fake_proc(proc, {100: ("gunicorn", 1, 5, 1, 10), 101: ("gunicorn", 100, 90, 15, 11),
                     102: ("gunicorn", 100, 20, 10, 99), 300: ("postgres", 1, 17, 3, 20),
                     302: ("postgres", 1, 6, 2, 30)},
              busy_ticks=(1200, 0, 600))
    after = procstat.sample({"web": [100, 101, 102], "db": [300, 302]}, proc, now=lambda: next(clock))
    used = procstat.usage(before, after)
    assert used.seconds["web"] == pytest.approx((50 + 30) / TICK)
    assert used.seconds["db"] == pytest.approx((10 + 8) / TICK)
    assert used.lost == {"web": 1, "db": 1}  # the replaced worker and the backend that exited
    assert used.machine_busy_s == pytest.approx(300 / TICK)
    assert used.window_s == 4.0
    assert used.others_s == pytest.approx((300 - 98) / TICK)


def test_a_vanished_pid_is_skipped(tmp_path):
    proc = tmp_path / "proc"
    fake_proc(proc, {100: ("gunicorn", 1, 5, 1, 10)})
    taken = procstat.sample({"web": [100, 12345]}, proc)
    assert list(taken.processes["web"]) == [(100, 10)]
    assert taken.unreadable == {"web": 1}
    assert procstat.usage(taken, taken).unreadable == {"web": 1}


def test_the_real_current_process():
    """Against the kernel's own accounting of this process (getrusage), over a burst of CPU work."""
    pid = os.getpid()
    assert pid in procstat.descendants(os.getppid())
    before = procstat.sample({"me": [pid]})
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        sum(i * i for i in range(1000))
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    after = procstat.sample({"me": [pid]})
    measured = procstat.usage(before, after)
    expected = (usage_after.ru_utime + usage_after.ru_stime) - (usage_before.ru_utime + usage_before.ru_stime)
    # /proc/<pid>/stat sums every thread in clock ticks; a tick or two of rounding at each end.
    assert measured.seconds["me"] == pytest.approx(expected, abs=3 / TICK)
    assert measured.seconds["me"] >= 0.25
    assert measured.machine_busy_s >= measured.seconds["me"] - 3 / TICK
