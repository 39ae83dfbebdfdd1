"""Helpers to compare rendered pages in tests."""

import re

_CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def without_tokens(html: str) -> str:
    """``html`` with its CSRF tokens' values blanked: a token is masked differently on every response."""
    return _CSRF_VALUE.sub('name="csrfmiddlewaretoken" value="X"', html)
