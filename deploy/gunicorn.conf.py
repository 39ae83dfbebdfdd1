"""gunicorn settings for Comcep (used by deploy/systemd/comcep-web.service)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "unix:/run/comcep/gunicorn.sock")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
max_requests = 2000  # recycle workers to bound memory
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def worker_exit(server, worker):
    """Write the resource view counts still buffered in this worker (comcep/animation/counters.py)."""
    from comcep.animation.counters import flush_at_exit

    flush_at_exit()


def post_worker_init(worker):
    """The app is loaded in this worker: move its long-lived objects out of the garbage collector's
    full collections (comcep/core/gcfreeze.py; docs/performance.md, "Session 9")."""
    from comcep.core.gcfreeze import freeze_after_app_load

    freeze_after_app_load()


def post_request(worker, req, environ, resp):
    """Once, after the worker's first requests: freeze what they built (templates, per-process caches)."""
    from comcep.core.gcfreeze import freeze_after_warmup

    freeze_after_warmup(worker.nr)
