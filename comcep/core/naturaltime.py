"""``naturaltime`` (django.contrib.humanize) with its translations kept per process.

Django's filter spends most of its time translating: each call formats one or two lazy
``ngettext``/``npgettext`` strings ("3 heures", "il y a %(delta)s"), and each of those looks the
message up in the catalogues and evaluates the language's plural formula (~0.1 ms per call on the
bench VM; the notifications list page calls it once per row). The result of formatting one of those
strings depends only on the active language, the catalogues and the value put in ("count": 3,
"num": 2, "delta": "2 jours, 3 heures"), so this module keeps it per (language, value) and
otherwise runs Django's own ``NaturalTimeFormatter.string_for`` unchanged (a subclass per active
language, its strings wrapped): the same "now" (taken per call), the same calendar arithmetic (month
and year boundaries, the value's time zone), the same text.

The memos are bounded (``MAX_ENTRIES`` per string and language, ``MAX_LANGUAGES``), off when
``DEBUG`` is on and forgotten on every ``setting_changed``, like the template tag memos (``comcep.core.tagmemo``).
"""

from __future__ import annotations

from django.contrib.humanize.templatetags.humanize import NaturalTimeFormatter
from django.utils.functional import Promise
from django.utils.translation import get_language

from comcep.core import tagmemo

MAX_ENTRIES = 2048  # per string and language
MAX_LANGUAGES = 16


class _Memoised:
    """One of the formatter's lazy strings, used while ``language`` is active: ``%`` gives the same
    text, kept per value."""

    __slots__ = ("lazy", "memo")

    def __init__(self, lazy):
        self.lazy = lazy
        self.memo = {}

    def __mod__(self, rhs):
        key = tuple(rhs.items())
        try:
            return self.memo[key]
        except KeyError:
            text = self.lazy % rhs
            if len(self.memo) < MAX_ENTRIES:
                self.memo[key] = text
            return text

    def __str__(self):
        try:
            return self.memo[()]
        except KeyError:
            text = self.memo[()] = str(self.lazy)
            return text


def _memoised(strings: dict) -> dict:
    return {name: _Memoised(lazy) for name, lazy in strings.items()}


def _formatter() -> type[NaturalTimeFormatter]:
    """Django's formatter with memoised strings for the active language (one class per language)."""
    global _generation
    if _generation != tagmemo.generation:
        _formatters.clear()
        _generation = tagmemo.generation
    language = get_language()
    formatter = _formatters.get(language)
    if formatter is None:
        if len(_formatters) >= MAX_LANGUAGES:
            return NaturalTimeFormatter
        formatter = _formatters[language] = type("_Formatter", (NaturalTimeFormatter,), {
            "time_strings": _memoised(NaturalTimeFormatter.time_strings),
            "past_substrings": _memoised(NaturalTimeFormatter.past_substrings),
            "future_substrings": _memoised(NaturalTimeFormatter.future_substrings),
        })
    return formatter


_formatters: dict[str, type[NaturalTimeFormatter]] = {}
_generation = -1


def naturaltime(value):
    """The text of ``{{ value|naturaltime }}`` (a str for a date or datetime, else ``value``)."""
    if not tagmemo.enabled():
        return NaturalTimeFormatter.string_for(value)
    result = _formatter().string_for(value)
    if isinstance(result, _Memoised | Promise):  # "now" is returned as the string itself
        return str(result)
    return result
