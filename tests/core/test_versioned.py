"""comcep.core.versioned: per-process entries under a shared version token."""

import pytest
from django.core.cache import cache

from comcep.core.versioned import Versioned

pytestmark = pytest.mark.django_db

_cache = Versioned("tests:versioned:version", max_entries=4)
_full = Versioned("tests:versioned:full", max_entries=4)  # only the test of a full cache uses it


def counting_loader(calls: list, value):
    def load():
        calls.append(value)
        return value
    return load


def test_an_entry_is_loaded_once_per_version():
    calls = []
    assert _cache.get("kind", (1,), counting_loader(calls, "a")) == "a"
    assert _cache.get("kind", (1,), counting_loader(calls, "b")) == "a"
    assert calls == ["a"]
    _cache.invalidate()  # the data changed (a save's signal): every process reads it again
    assert _cache.get("kind", (1,), counting_loader(calls, "b")) == "b"
    assert calls == ["a", "b"]


def test_a_full_cache_drops_the_older_versions_entries_before_the_current_ones():
    calls = []
    for version in range(3):  # another process changes the data: this one's entries of older versions stay
        cache.set(_full.version_key, f"version-{version}", None)
        _full.get("kind", (version,), counting_loader(calls, version))
    cache.set(_full.version_key, "version-current", None)
    _full.get("kind", ("a",), counting_loader(calls, "a"))
    _full.get("kind", ("b",), counting_loader(calls, "b"))  # full: the three stale entries go, "a" stays
    assert _full.get("kind", ("a",), counting_loader(calls, "again")) == "a"
    assert _full.get("kind", ("b",), counting_loader(calls, "again")) == "b"
    assert "again" not in calls
