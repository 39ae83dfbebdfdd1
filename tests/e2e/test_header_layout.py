"""The site header holds the longest menu (an approved member with unread notifications): the
primary navigation sits on ONE row at 1280 px, and nothing overflows or overlaps at 320 px,
with 200% text zoom (RGAA 10.4) or at 200% browser zoom. CSS only: JavaScript is disabled."""

import pytest
from django.conf import settings
from django.test import Client

from tests.e2e.conftest import E2E_DB
from tests.factories import UserFactory
from tests.factories.notifications import NotificationFactory

pytestmark = [pytest.mark.e2e, E2E_DB]

BOXES = """(selector) => [...document.querySelectorAll(selector)].map(el => {
  const r = el.getBoundingClientRect();
  return {text: el.innerText.trim().split('\\n')[0], left: r.left, right: r.right, top: r.top, bottom: r.bottom,
          visible: r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'};
})"""
PRIMARY = ".main-nav > ul > li"
CONTROLS = ".site-header a, .site-header button, .site-header input:not([type=hidden])"
EXPECTED = ["Ressources", "Espaces d'échanges", "Agenda", "Annuaire", "Groupes", "Messages", "Recherche"]


@pytest.fixture
def reader(db):
    user = UserFactory(display_name="Awa Diallo")
    for _ in range(12):  # the bell shows its badge: the widest header a member gets
        NotificationFactory(recipient=user)
    return user


@pytest.fixture
def open_page(browser, live_server):
    """Open ``path`` as ``user`` in a new context with JavaScript disabled (closed at teardown)."""
    contexts = []

    def open_(user, path="/ressources/", javascript=False, **options):
        client = Client()
        client.force_login(user)
        context = browser.new_context(base_url=live_server.url, locale="fr-FR", java_script_enabled=javascript,
                                      **options)
        contexts.append(context)
        context.set_default_timeout(15_000)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
        page = context.new_page()
        page.goto(path)
        return page

    yield open_
    for context in contexts:
        context.close()


def one_row(boxes) -> bool:
    """Every box crosses the same horizontal line (a button may be taller than a link)."""
    return max(box["top"] for box in boxes) < min(box["bottom"] for box in boxes)


def assert_fits(page):
    """No horizontal scrolling; every header control is visible, inside the window, and
    overlaps no other control."""
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    boxes = page.evaluate(BOXES, CONTROLS)
    assert len(boxes) >= 10
    for box in boxes:
        assert box["visible"] and box["left"] >= -1 and box["right"] <= width + 1, box
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = (a["right"] <= b["left"] + 1 or b["right"] <= a["left"] + 1
                     or a["bottom"] <= b["top"] + 1 or b["bottom"] <= a["top"] + 1)
            nested = a["left"] <= b["left"] and b["right"] <= a["right"] and a["top"] <= b["top"] \
                and b["bottom"] <= a["bottom"]  # a badge inside its link
            assert apart or nested, (a, b)


def test_primary_navigation_is_one_row_at_1280_px(open_page, reader):
    page = open_page(reader, viewport={"width": 1280, "height": 800})
    items = page.evaluate(BOXES, PRIMARY)
    assert [item["text"] for item in items] == EXPECTED
    assert one_row(items), items
    account = page.evaluate(BOXES, ".account-nav > ul > li")
    assert [item["text"] for item in account] == ["🔔 Notifications 12", "Mon espace", "Se déconnecter"]
    assert one_row(account), account
    assert_fits(page)


@pytest.mark.parametrize("options", [
    pytest.param({"viewport": {"width": 320, "height": 640}}, id="320px"),
    pytest.param({"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}, id="1280px-browser-zoom-200"),
])
def test_header_fits_on_a_small_screen_and_zoomed(open_page, reader, options):
    page = open_page(reader, **options)
    assert [item["text"] for item in page.evaluate(BOXES, PRIMARY)] == EXPECTED
    assert_fits(page)


@pytest.mark.parametrize("width", [1280, 1024])
def test_header_fits_with_text_zoomed_to_200_percent(open_page, reader, width):
    """Text-only zoom (RGAA 10.4, at the usual window widths; 320 px is the reflow criterion,
    tested above): the root font size doubled (CSP bypassed for that style only; Playwright
    needs JavaScript to add it)."""
    page = open_page(reader, viewport={"width": width, "height": 800}, bypass_csp=True, javascript=True)
    page.add_style_tag(content="html { font-size: 200% !important; }")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == 32
    assert_fits(page)
