"""End-to-end tests: Playwright (sync API) driving Debian's chromium against pytest-django's
``live_server``. Never ``playwright install``: the browser is the system package.

- Where /usr/bin/chromium is missing, the tests are skipped with the reason and the fix;
  with COMCEP_E2E_REQUIRED=1 (CI) they fail instead.
- Mark browser tests ``@pytest.mark.e2e`` and use the ``page`` fixture (a fresh context per
  test, French locale, ``base_url`` = the live server). For database access use
  ``@pytest.mark.django_db(transaction=True, serialized_rollback=True)`` (see E2E_DB below):
  the live server runs in another thread, and serialized_rollback restores the data that
  migrations created (vocabularies, groups, home page) for the tests that follow.
- ``from tests.e2e.a11y import assert_no_serious_violations`` runs axe-core offline.
- A click that loads a page returns before the new page is there: after it, wait for the new
  URL (``page.wait_for_url``) or assert with ``expect(locator)``, which retries; a bare
  ``locator.is_visible()`` reads whichever page is shown at that instant.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django would then refuse
# database access from the test code ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("COMCEP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
E2E_DB = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _require_chromium():
    if CHROMIUM.exists():
        return
    reason = "Debian's chromium is not installed: apt-get install chromium"
    if os.environ.get("COMCEP_E2E_REQUIRED") == "1":
        pytest.fail(f"{reason} (COMCEP_E2E_REQUIRED=1: browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _serialized_contents_for_every_connection(django_db_setup, django_db_blocker):
    """Playwright's sync API switches greenlets, and Django's per-context connection
    handler then hands the test code a *new* DatabaseWrapper after the first browser
    test. That wrapper lacks ``_test_serialized_contents``, so serialized_rollback would
    silently stop restoring the migrated data (vocabularies, groups, pages). Make the
    serialized data a class attribute so that every wrapper of the test database has it."""
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents is not None:
                type(connection)._test_serialized_contents = contents
    yield


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # as the contexts' default timeout below (CI machines can be busy)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
