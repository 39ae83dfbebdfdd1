"""Why a member may not write private messages right now, as other apps decide it.

An app registers a function ``reason(user) -> str | None`` (in its ``AppConfig.ready``): the forums refuse
writing to a member suspended from the forums, until the suspension ends (``forums.services.
conversation_refusal``). A refused member still reads their conversations, leaves one, blocks or reports a
member; they may not start a conversation nor write in one (``services.ensure_can_send``), and the pages say
why and until when instead of showing the form. Conversations know nothing of the apps that register here
(dependencies point one way).
"""

from __future__ import annotations

from collections.abc import Callable

_reasons: list[Callable[[object], str | None]] = []


def register(reason: Callable[[object], str | None]) -> Callable[[object], str | None]:
    if reason not in _reasons:
        _reasons.append(reason)
    return reason


def write_refusal(user) -> str | None:
    """Why ``user`` may not write private messages now (the first registered answer), or None."""
    for reason in _reasons:
        answer = reason(user)
        if answer:
            return str(answer)
    return None
