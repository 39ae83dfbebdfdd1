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


@pytest.fixture(autouse=True)
def _site_language_after_each_test():
    """LocaleMiddleware leaves the last request's language active in the test's thread (a request in
    English, e.g. through /langue/, would make the next test read English): every test ends in the
    site's language."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


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


@pytest.fixture(scope="session", autouse=True)
def _no_session_left_on_the_test_database(django_db_setup, django_db_blocker):
    """PostgreSQL refuses to drop a database someone is connected to, and pytest-django then only
    warns ("Error when trying to teardown test databases ... N other sessions") and leaves the test
    database behind. Connections opened by other threads or contexts that their code did not close
    (a live server's request threads, Playwright's greenlets, which get their own per-context
    DatabaseWrapper) are such sessions: end them before the database is dropped."""
    yield
    from django.db import DatabaseError, connections

    with django_db_blocker.unblock():
        for alias in connections:
            conn = connections[alias]
            if conn.vendor != "postgresql":
                continue
            try:
                with conn.cursor() as cursor:
                    # Client sessions only: the parallel workers of this very query also show in
                    # pg_stat_activity, and terminating them aborts the query ("administrator command").
                    cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                                   "AND backend_type = 'client backend'")
            except DatabaseError:  # best effort: pytest-django then only warns, as it did before
                pass
            finally:
                conn.close()


@pytest.fixture(scope="module")
def restore_migrated_data(django_db_blocker):
    """Transactional tests end with a flush; put the data migrations' rows (taxonomy, groups)
    back so the tests after these, and the next --reuse-db run, find them."""
    yield
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)


@pytest.fixture
def fragment_cache_on():
    """The fragment cache (comcep/core/fragments.py) on, as in production (it is off under DEBUG), and empty."""
    from django.test import override_settings

    from comcep.core import fragments

    with override_settings(DEBUG=False, FRAGMENT_CACHE=True):
        fragments.clear()
        yield


@pytest.fixture
def forum_posting_settings():
    """Members past their first days (their posts need no approval), generous posting rate limits."""
    from django.test import override_settings

    with override_settings(FORUMS_NEW_MEMBER_DAYS=0, FORUMS_POST_RATE="1000/1m",
                           FORUMS_NEW_MEMBER_POST_RATE="1000/1m"):
        yield
