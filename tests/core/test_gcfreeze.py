"""The garbage-collector freeze of web workers (comcep/core/gcfreeze.py): the gunicorn hooks of production
(deploy/gunicorn.conf.py) and of the benchmark (bench/gunicorn.conf.py) run in each worker and freeze."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"


def _run_python(code: str) -> str:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="comcep.settings.test")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_freeze_after_app_load_freezes_the_loaded_app_and_the_url_resolver():
    # In a child process: a freeze is for the life of the process.
    frozen_before, frozen, resolver_built, tracked = _run_python(
        "import gc, django; django.setup()\n"
        "from django.urls import get_resolver\n"
        "from comcep.core.gcfreeze import freeze_after_app_load\n"
        "before = gc.get_freeze_count(); n = freeze_after_app_load()\n"
        "print(before, n, int(get_resolver()._populated), len(gc.get_objects()))"
    )
    assert int(frozen_before) == 0
    assert int(frozen) > 100_000  # Django, Wagtail and the project's modules
    assert resolver_built == "1"
    assert int(tracked) < int(frozen) / 10  # what a full collection still walks


def test_freeze_after_warmup_runs_once_at_the_warmup_request():
    calls = _run_python(
        "import gc, django; django.setup()\n"
        "from comcep.core.gcfreeze import WARMUP_REQUESTS, freeze_after_warmup\n"
        "print(*[int(freeze_after_warmup(n)) for n in (1, WARMUP_REQUESTS - 1, WARMUP_REQUESTS,"
        " WARMUP_REQUESTS + 1, 5 * WARMUP_REQUESTS)], int(gc.get_freeze_count() > 0))"
    )
    assert calls == ["0", "0", "1", "0", "0", "1"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> list[int]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return [int(x) for x in response.read().split()]


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed (pip install -r requirements.txt)")
@pytest.mark.parametrize("config", ["deploy/gunicorn.conf.py", "bench/gunicorn.conf.py"])
def test_gunicorn_config_hooks_freeze_in_each_worker(config):
    from comcep.core.gcfreeze import WARMUP_REQUESTS

    port = _free_port()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="comcep.settings.test")
    server = subprocess.Popen(
        [str(GUNICORN), "--config", config, "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--access-logfile", "/dev/null", "--log-level", "warning", "tests.core.gunicorn_probe:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                frozen, warm = _get(url)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        # post_worker_init ran in the worker, after the app (Django) was loaded.
        assert frozen > 100_000
        assert warm == 0
        for _ in range(WARMUP_REQUESTS):
            frozen_later, warm = _get(url)
        # post_request froze once more after the worker's first WARMUP_REQUESTS requests.
        assert warm == 1
        assert frozen_later >= frozen
    finally:
        server.terminate()
        server.wait(timeout=30)
