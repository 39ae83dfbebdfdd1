"""gunicorn settings of the benchmark (bench/run.py passes this file with ``--config``): the worker hooks
of production's deploy/gunicorn.conf.py that change how a worker serves (the garbage-collector freeze,
comcep/core/gcfreeze.py), nothing else — bind, workers and logs come from run.py's command line, and
production's ``max_requests`` recycling is left out so that a pass measures one worker's life."""


def post_worker_init(worker):
    from comcep.core.gcfreeze import freeze_after_app_load

    freeze_after_app_load()


def post_request(worker, req, environ, resp):
    from comcep.core.gcfreeze import freeze_after_warmup

    freeze_after_warmup(worker.nr)
