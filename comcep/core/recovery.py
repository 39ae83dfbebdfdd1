"""Recoveries of the work that a task left undone when it failed, run with the task queue's own recovery.

django-tasks-db never runs a FAILED task again (an exception: "database is locked" under load, a
database restart, a bug). Where an app keeps, in its own tables, what a task still has to do (e.g. the
forum posts waiting for their announcement), it registers here a function that finds that work left
without a task to do it and queues one. ``manage.py requeue_stale_tasks`` calls them after it has put
back in the queue the tasks whose worker died (so that these count as queued): at the worker's start
and every 10 minutes (the ``requeue-tasks`` job, deploy/run-job). The core knows no app: apps register
in their ``AppConfig.ready``.

A recovery is called as ``recovery(dry_run=bool)`` and returns the lines to print for the operator
(English, as any management command's output); with ``dry_run`` it writes nothing. It must be cheap
when there is nothing to recover and idempotent: it may run while the tasks it queues are still waiting.
"""

from __future__ import annotations

from collections.abc import Callable

Recovery = Callable[..., list[str]]

_recoveries: dict[str, Recovery] = {}


def register(name: str, recovery: Recovery) -> None:
    """Register ``recovery`` under ``name`` (registering a name again replaces it)."""
    _recoveries[name] = recovery


def recoveries() -> list[tuple[str, Recovery]]:
    """The registered recoveries, by name."""
    return sorted(_recoveries.items())
