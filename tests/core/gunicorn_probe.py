"""A WSGI app for tests/core/test_gcfreeze.py: Django set up (test settings) as in a real worker, and a
response that reports the worker's garbage-collector state: ``<frozen objects> <warm-up freeze done>``."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comcep.settings.test")

import django  # noqa: E402

django.setup()


def application(environ, start_response):
    from comcep.core import gcfreeze

    body = f"{gc.get_freeze_count()} {int(gcfreeze._warmup_frozen)}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
