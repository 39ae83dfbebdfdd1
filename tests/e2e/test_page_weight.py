"""Light pages: the HTML, CSS and JavaScript of a page weigh less than 150 KB transferred,
and the browser never contacts another host than the site (no CDN, fonts, analytics...)."""

from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import E2E_DB
from tests.e2e.test_accessibility import demo_urls, load_demo, member_context
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, E2E_DB]

BUDGET = 150 * 1024
COUNTED_TYPES = {"document", "stylesheet", "script"}


def weigh(page, path) -> tuple[int, list[str], list[str]]:
    """Load ``path`` in a fresh page; return (bytes of HTML+CSS+JS transferred, every
    requested URL, the URLs of other hosts)."""
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    page.wait_for_load_state("networkidle")
    site = urlsplit(page.url).netloc
    total = 0
    for request in finished:
        if request.resource_type in COUNTED_TYPES:
            sizes = request.sizes()
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    foreign = [url for url in requested if urlsplit(url).scheme in ("http", "https")
               and urlsplit(url).netloc != site]
    return total, requested, foreign


def test_main_pages_are_light_and_first_party_only(browser, live_server):
    load_demo()
    urls = demo_urls()
    member = UserFactory(display_name="Awa Diallo")
    report = {}
    for path in ["/", urls["resource"], urls["thread"]]:
        context = member_context(browser, live_server, member)  # empty cache: every file is transferred
        total, requested, foreign = weigh(context.new_page(), path)
        context.close()
        assert any(url.endswith(".css") for url in requested) and any(url.endswith(".js") for url in requested)
        assert not foreign, f"{path}: third-party requests {foreign}"
        report[path] = total
    print(f"HTML+CSS+JS transferred: {report}")
    assert all(10_000 < total < BUDGET for total in report.values()), report
