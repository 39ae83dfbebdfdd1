"""bench/speed.py: the probe that tells how fast the machine was while a pass ran."""

import time

from bench import speed


def test_the_probe_does_the_same_work_every_time():
    # A fixed amount of work: its CPU time varies only with the machine's speed.
    assert speed.work() == speed.work()


def test_the_probe_samples_while_the_pass_runs_and_stops_with_it():
    with speed.Probe(interval=0.01) as probe:
        deadline = time.monotonic() + 30  # generous: a loaded machine still takes two samples
        while len(probe.samples) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    taken = len(probe.samples)
    assert taken >= 2
    assert probe.median_ms > 0
    time.sleep(0.05)
    assert len(probe.samples) == taken  # nothing sampled after the pass

