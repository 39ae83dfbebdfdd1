"""gunicorn settings of the benchmark (bench/run.py passes this file with ``--config``): the worker hooks
of production's deploy/gunicorn.conf.py that change how a worker serves (the garbage-collector freeze,
comcep/core/gcfreeze.py), nothing else — bind, workers and logs come from run.py's command line, and
production's ``max_requests`` recycling is left out so that a pass measures one worker's life.

With ``BENCH_WORKER_PROFILE=<dir>``, each worker also times the stretches of its requests (bench/workerprofile.py).
"""

import os

PROFILE = bool(os.environ.get("BENCH_WORKER_PROFILE"))


def post_worker_init(worker):
    from comcep.core.gcfreeze import freeze_after_app_load

    if PROFILE:
        from bench import workerprofile

        workerprofile.install(worker)
    freeze_after_app_load()


def pre_request(worker, req):
    if PROFILE:
        from bench import workerprofile

        workerprofile.pre_request(worker, req)


def post_request(worker, req, environ, resp):
    from comcep.core.gcfreeze import freeze_after_warmup

    freeze_after_warmup(worker.nr)
    if PROFILE:
        from bench import workerprofile

        workerprofile.post_request(worker, req, environ, resp)


def worker_exit(server, worker):
    if PROFILE:
        from bench import workerprofile

        workerprofile.worker_exit(server, worker)
