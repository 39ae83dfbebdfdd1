import os

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

from tests.factories import ModeratorFactory, PendingUserFactory, UserFactory

# CI runs property-based tests derandomized, so that a run is reproducible; local runs keep
# exploring new inputs (and what they find becomes a regular test).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and cached fragments live in the cache: start every test clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def pending_member(db):
    return PendingUserFactory()


@pytest.fixture
def moderator(db):
    return ModeratorFactory()


@pytest.fixture
def admin_user(db):
    return UserFactory(is_superuser=True, is_staff=True, email="admin@example.fr")


@pytest.fixture(scope="module")
def restore_migrated_data(django_db_blocker):
    """Transactional tests end with a flush; put the data migrations' rows (taxonomy, groups)
    back so the tests after these, and the next --reuse-db run, find them."""
    yield
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)
