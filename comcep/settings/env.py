"""Small helpers that read configuration from the environment.

Every setting an operator may change comes from an environment variable; the
README lists them all. These helpers keep parsing rules in one place.
"""

import os
from email.utils import parseaddr
from urllib.parse import parse_qs, urlparse

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_email(name: str, default: str = "") -> str:
    """An e-mail address, bare (``animation@example.fr``) or with a display name
    (``Équipe d'animation <animation@example.fr>``); empty when unset. A value that holds no address
    stops the start, rather than e-mails with a broken header."""
    value = env_str(name, default) or ""
    if value and "@" not in parseaddr(value)[1]:
        raise ImproperlyConfigured(f"{name} must be an e-mail address (name@domain or Name <name@domain>), "
                                   f"got {value!r}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value in (None, ""):
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def cache_from_url(url: str) -> dict:
    """Turn CACHE_URL into a Django CACHES entry.

    Supported: ``locmem://[name]``, ``dummy://``, ``db://table_name``,
    ``file:///absolute/path``, ``redis://host:port/db`` and ``rediss://``.
    """
    parsed = urlparse(url)
    scheme = parsed.scheme
    options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": parsed.netloc or "comcep"}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if scheme == "db":
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": parsed.netloc or "comcep_cache"}
    if scheme == "file":
        return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": parsed.path}
    if scheme in ("redis", "rediss"):
        config = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url.split("?")[0]}
        if options:
            config["OPTIONS"] = options
        return config
    raise ImproperlyConfigured(f"CACHE_URL scheme {scheme!r} is not supported (locmem, dummy, db, file, redis)")
