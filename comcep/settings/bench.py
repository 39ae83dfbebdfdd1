"""Production-like settings for the load benchmark (bench/run.py): DEBUG off, cached
templates, manifest static files, but plain HTTP on loopback, generous rate limits for
the benchmark's member, an X-Query-Count response header and a trivial baseline view."""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("CACHE_URL", "dummy://")  # replaced below; production refuses locmem

from .env import cache_from_url, env_str  # noqa: E402
from .production import *  # noqa: E402, F403

# production refuses locmem; the benchmark runs workers whose rate limits must not interfere.
CACHES = {"default": cache_from_url(env_str("BENCH_CACHE_URL", "locmem://bench"))}
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W004", "security.W008", "security.W012",  # noqa: F405
                          "security.W016"]
ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]  # noqa: F405
ACCOUNT_RATE_LIMITS = False
FORUMS_POST_RATE = "100000/1m"
FORUMS_NEW_MEMBER_POST_RATE = "100000/1m"
FORUMS_NEW_MEMBER_DAYS = 0
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# As in production: the database queue, drained by `manage.py db_worker` (bench/run.py starts one beside
# gunicorn), so a request only pays for enqueueing its side effects (notifications, search reindex).
TASKS = {"default": {"BACKEND": env_str("BENCH_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Persistent database connections, as docs/deployment.md and deploy/comcep.env.example recommend
# (DATABASE_CONN_MAX_AGE=60): without them every request opens a connection (a backend process fork on
# PostgreSQL) that the baseline view, which makes no query, never pays.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))  # noqa: F405
