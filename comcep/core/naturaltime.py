"""``naturaltime`` (django.contrib.humanize) with its translations kept per process.

Django's filter spends most of its time translating: each call formats one or two lazy
``ngettext``/``npgettext`` strings ("3 heures", "il y a %(delta)s"), and each of those looks the
message up in the catalogues and evaluates the language's plural formula (~0.1 ms per call on the
bench VM; the notifications list page calls it once per row). The result of formatting one of those
strings depends only on the active language, the catalogues and the value put in ("count": 3,
"num": 2, "delta": "2 jours, 3 heures"), so this module keeps it per (language, value) and
otherwise runs Django's own ``NaturalTimeFormatter.string_for`` unchanged: the same "now" (taken
per call), the same calendar arithmetic (month and year boundaries, the value's time zone), the same
text.

The memos are bounded (``MAX_ENTRIES`` per string), off when ``DEBUG`` is on and forgotten on every
``setting_changed``, like the template tag memos (``comcep.core.tagmemo``).
"""

from __future__ import annotations

from django.contrib.humanize.templatetags.humanize import NaturalTimeFormatter
from django.utils.translation import get_language

from comcep.core import tagmemo

MAX_ENTRIES = 2048


class _Memoised:
    """One of the formatter's lazy strings; ``%`` gives the same text, kept per (language, value)."""

    __slots__ = ("lazy", "memo")

    def __init__(self, lazy):
        self.lazy = lazy
        self.memo = (-1, {})

    def _memo(self) -> dict:
        generation, memo = self.memo
        if generation != tagmemo.generation:
            memo = {}
            self.memo = (tagmemo.generation, memo)
        return memo

    def __mod__(self, rhs):
        if not tagmemo.enabled():
            return self.lazy % rhs
        memo = self._memo()
        key = (get_language(), *sorted(rhs.items()))
        try:
            return memo[key]
        except KeyError:
            text = self.lazy % rhs
            if len(memo) < MAX_ENTRIES:
                memo[key] = text
            return text

    def __str__(self):
        if not tagmemo.enabled():
            return str(self.lazy)
        memo = self._memo()
        key = (get_language(),)
        try:
            return memo[key]
        except KeyError:
            text = memo[key] = str(self.lazy)
            return text


def _memoised(strings: dict) -> dict:
    return {name: _Memoised(lazy) for name, lazy in strings.items()}


class _Formatter(NaturalTimeFormatter):
    time_strings = _memoised(NaturalTimeFormatter.time_strings)
    past_substrings = _memoised(NaturalTimeFormatter.past_substrings)
    future_substrings = _memoised(NaturalTimeFormatter.future_substrings)


def naturaltime(value):
    """The text of ``{{ value|naturaltime }}`` (a str for a date or datetime, else ``value``)."""
    result = _Formatter.string_for(value)
    if isinstance(result, _Memoised):  # "now" is returned untranslated by string_for
        return str(result)
    return result
