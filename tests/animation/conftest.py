import pytest
from django.test import override_settings

from comcep.animation import counters


@pytest.fixture(autouse=True)
def _animation_settings():
    # Members past their first days, generous rate limits; view counts written at once.
    counters.discard()
    with override_settings(FORUMS_NEW_MEMBER_DAYS=0, FORUMS_POST_RATE="1000/1m",
                           FORUMS_NEW_MEMBER_POST_RATE="1000/1m", ANIMATION_VIEWS_FLUSH_SECONDS=3600):
        yield
    counters.discard()
