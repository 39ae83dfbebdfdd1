"""The fixed-window rate limit shared by posting and private messages."""

import pytest

from comcep.core import ratelimit


@pytest.mark.parametrize("rate, expected", [("10/10m", (10, 600)), ("5/h", (5, 3600)), (" 3 / 2d ", (3, 172800)),
                                            ("1/30s", (1, 30))])
def test_rates_are_parsed(rate, expected):
    assert ratelimit.parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["", "10", "10/10x", "ten/10m", "10/-1m"])
def test_malformed_rates_are_refused(rate):
    with pytest.raises(ValueError):
        ratelimit.parse_rate(rate)


def test_hits_are_counted_per_scope_and_member():
    for _ in range(3):
        ratelimit.hit("test:a", 1, 600)
    ratelimit.hit("test:b", 1, 600)
    ratelimit.hit("test:a", 2, 600)
    assert ratelimit.used("test:a", 1, 600) == 3
    assert ratelimit.used("test:b", 1, 600) == 1
    assert ratelimit.used("test:a", 2, 600) == 1
    assert ratelimit.used("test:a", 3, 600) == 0
