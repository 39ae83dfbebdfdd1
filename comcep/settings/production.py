"""Production settings. Refuses to start without SECRET_KEY and ALLOWED_HOSTS and
passes `manage.py check --deploy` without warnings."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .env import cache_from_url, env_bool, env_int, env_str

DEBUG = False
if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment for production.")
if not ALLOWED_HOSTS:  # noqa: F405
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the environment for production (comma separated).")

# HTTPS. Behind a reverse proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER=true
# (the proxy must set X-Forwarded-Proto) and keep SECURE_SSL_REDIRECT on.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
if not SECURE_HSTS_PRELOAD:
    # An operator who opts out of the preload list has made that choice explicitly.
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

# Sessions, allauth's rate limits and the search generation must be shared by every worker: never a
# per-process cache (posting and message limits are counted in the database, comcep.core.ratelimit).
# Default: the database cache (run `manage.py createcachetable` once); Redis: CACHE_URL=redis://...
CACHES = {"default": cache_from_url(env_str("CACHE_URL", "db://comcep_cache"))}
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    raise ImproperlyConfigured("CACHE_URL=locmem:// is per process: use redis:// or db:// in production.")

STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # noqa: F405
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

TEMPLATES[0]["APP_DIRS"] = False  # noqa: F405
TEMPLATES[0]["OPTIONS"]["loaders"] = [  # noqa: F405
    (
        "django.template.loaders.cached.Loader",
        ["django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"],
    )
]
