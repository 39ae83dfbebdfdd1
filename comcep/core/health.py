"""Readiness checks reported by ``/sante/``. Core checks the database, the cache and the
task queue; other apps register theirs (the search app checks its engine) with
``register(name, fn)`` where ``fn()`` returns None when healthy or raises / returns an
error string. Checks must be fast: a load balancer calls them every few seconds."""

from collections.abc import Callable

_checks: dict[str, Callable[[], str | None]] = {}


def register(name: str, check: Callable[[], str | None]) -> None:
    _checks[name] = check


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in _checks.items():
        try:
            problem = check()
        except Exception as exc:  # noqa: BLE001 - any failure is a failed check
            problem = f"{exc.__class__.__name__}: {exc}"[:200]
        results[name] = "ok" if not problem else f"error: {problem}"
    return results


def check_database() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> str | None:
    from django.core.cache import cache

    cache.set("comcep:health", "1", 10)
    return None if cache.get("comcep:health") == "1" else "the cache did not return what was stored"


def check_tasks() -> str | None:
    """The task backend is configured; with the database backend, also report a stuck queue
    (tasks ready for more than 15 minutes mean no worker is running)."""
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks import default_task_backend

    backend = default_task_backend
    if backend.__class__.__name__ != "DatabaseBackend":
        return None
    from django_tasks_db.models import DBTaskResult

    stale = DBTaskResult.objects.ready().filter(enqueued_at__lt=timezone.now() - timedelta(minutes=15)).count()
    return f"{stale} task(s) waiting for more than 15 minutes: is the worker running?" if stale else None


register("database", check_database)
register("cache", check_cache)
register("tasks", check_tasks)
