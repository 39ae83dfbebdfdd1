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


#: The tag libraries replaced on purpose under Django's labels (TEMPLATES' "libraries" in comcep/settings/base.py).
REPLACED_LIBRARIES = {
    "i18n": {"django.templatetags.i18n", "comcep.core.templatetags.memo_i18n"},
    "static": {"django.templatetags.static", "comcep.core.templatetags.memo_static"},
}


def check_template_tag_labels(app_configs=None, **kwargs):
    """Django's templates.W003 (one ``{% load %}`` label for several tag modules: which one a template gets
    depends on the order of the apps), silenced in the settings because of the two deliberate replacements
    above, for every other label."""
    from collections import defaultdict

    from django.core.checks import Warning
    from django.template import engines
    from django.template.backends.django import DjangoTemplates, get_template_tag_modules

    installed = list(get_template_tag_modules())
    warnings = []
    for engine in engines.all():
        if not isinstance(engine, DjangoTemplates):
            continue
        modules = defaultdict(set)
        for label, path in [*installed, *engine.engine.libraries.items()]:
            modules[label].add(path)
        for label, paths in sorted(modules.items()):
            if len(paths) > 1 and paths != REPLACED_LIBRARIES.get(label):
                warnings.append(Warning(
                    f"{label!r} is used for multiple template tag modules: {', '.join(sorted(paths))}",
                    hint="Rename one of the libraries, or list a deliberate replacement in "
                         "comcep.core.tagmemo.REPLACED_LIBRARIES.",
                    obj=engine, id="comcep.W003"))
    return warnings


def _settings_changed(**kwargs):
    global _enabled, generation
    _enabled = None
    generation += 1


setting_changed.connect(_settings_changed)
