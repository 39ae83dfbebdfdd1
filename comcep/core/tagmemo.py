"""Per-process memos of the template tags whose output is fixed for the life of a process.

Every HTML page renders, outside its cached fragments, a handful of ``{% translate "…" %}``,
``{% static "…" %}`` and ``{% url "name" %}`` tags with constant arguments. Their output depends only
on values that do not change while a process runs: the message catalogues (per language), the
static files storage (and its manifest, read once at start-up), the URL configuration (per urlconf,
script prefix, language and current application). Django recomputes them on every render (~8, ~10
and ~14 µs each); the tags of ``comcep/core/templatetags/memo_*.py`` keep the result of each node per
combination of those values instead:

- ``{% translate %}`` (library ``i18n``, replaced in ``TEMPLATES``' ``libraries``): a literal message,
  no filter, a literal context or none; keyed by the active language and autoescaping;
- ``{% static %}`` (library ``static``, replaced likewise): keyed by the resolved path (a variable
  path is resolved on every render; only the storage's answer is kept);
- ``{% url %}`` (a builtin that replaces Django's ``url`` tag): a literal view name without
  arguments; keyed by the urlconf, the script prefix, the active language and the current
  application (what ``reverse`` reads).

Any other form of these tags is Django's own code, unchanged. The memos are off when ``DEBUG`` is on
(the development server reloads catalogues and templates) and are emptied on every
``setting_changed`` (tests that override a setting: languages, locale paths, storages, urlconf...).
"""

from __future__ import annotations

from django.conf import settings
from django.core.signals import setting_changed

_enabled: bool | None = None
#: Bumped when the memos must be forgotten; each node keeps (generation, memo).
generation = 0


def enabled() -> bool:
    global _enabled
    if _enabled is None:
        _enabled = not settings.DEBUG
    return _enabled


def node_memo(node) -> dict:
    """The node's memo for the current generation (a fresh dict after a setting change)."""
    held = node.__dict__.get("_comcep_memo")
    if held is None or held[0] != generation:
        held = node._comcep_memo = (generation, {})
    return held[1]


def _settings_changed(**kwargs):
    global _enabled, generation
    _enabled = None
    generation += 1


setting_changed.connect(_settings_changed)
