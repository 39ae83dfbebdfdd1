"""Fields of a space that another app manages, shown read-only in the admin's space form.

A regional group's space (comcep.groups) takes its title, slug and description from the group and
its access (``visibility``, ``groups``) from the group's membership: editing the access in "Espaces"
would open the space to other members or shut the group's members out, and the group's next edit
would overwrite the rest. Apps that own spaces register a function
``reason(space) -> str | None``; when one answers, :data:`LOCKED_FIELDS` are disabled in the edit form
(Django then ignores what is posted for them) and the answer is shown as their help text.
Forums know nothing of the apps that register here (dependencies point one way).
"""

from __future__ import annotations

from collections.abc import Callable

LOCKED_FIELDS = ("title", "slug", "description", "visibility", "groups")

_reasons: list[Callable[[object], str | None]] = []


def register(reason: Callable[[object], str | None]) -> Callable[[object], str | None]:
    if reason not in _reasons:
        _reasons.append(reason)
    return reason


def locked_reason(space) -> str | None:
    """Why the managed fields of this saved space may not be edited here, or None."""
    if space is None or space.pk is None:
        return None
    for reason in _reasons:
        answer = reason(space)
        if answer:
            return str(answer)
    return None
