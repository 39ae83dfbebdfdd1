"""Test settings: immediate tasks, fast hasher, locmem cache and e-mail."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .env import env_str

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdef"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "comcep-tests"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ANIMATION_VIEWS_FLUSH_SECONDS = 10**9  # view counts are written only when a test flushes them (query counts)
MEDIA_ROOT = Path(env_str("TEST_MEDIA_ROOT", str(Path(tempfile.gettempdir()) / "comcep-test-media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not :memory:, so that tests with several threads or processes (concurrent writers,
    # live_server for the browser tests) share one database, in WAL mode as in production.
    # One file per checkout so that parallel checkouts don't collide.
    import hashlib

    _tag = hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:10]  # noqa: F405, S324
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"comcep-test-{_tag}.sqlite3")}  # noqa: F405
