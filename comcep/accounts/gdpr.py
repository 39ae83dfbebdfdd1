"""GDPR export and account deletion, extended by each app.

Apps register, in their ``AppConfig.ready``:

- an exporter: ``register_exporter("posts", fn)`` where ``fn(user) -> JSON-serialisable``;
  the member's "download my data" file gets one key per exporter;
- an anonymiser: ``register_anonymiser(fn)`` where ``fn(user) -> None`` detaches or
  anonymises what the app holds about the user (e.g. posts become "Membre supprimé").
  Anonymisers run inside the deletion transaction, before the account itself is scrubbed.
"""

from collections.abc import Callable
from typing import Any

_exporters: dict[str, Callable[[Any], Any]] = {}
_anonymisers: list[Callable[[Any], None]] = []


def register_exporter(key: str, fn: Callable[[Any], Any]) -> None:
    _exporters[key] = fn


def register_anonymiser(fn: Callable[[Any], None]) -> None:
    if fn not in _anonymisers:
        _anonymisers.append(fn)


def exporters() -> dict[str, Callable[[Any], Any]]:
    return dict(_exporters)


def anonymisers() -> list[Callable[[Any], None]]:
    return list(_anonymisers)
