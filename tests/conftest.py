import pytest

from tests.factories import ModeratorFactory, PendingUserFactory, UserFactory


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
