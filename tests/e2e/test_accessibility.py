"""Automated accessibility audit (axe-core in Debian's chromium) of the main pages, loaded
with the French demo content: no serious or critical violation (WCAG 2.1 A/AA rules).

The list of audited pages is the one published in the accessibility statement
(comcep/core/site_setup.py): keep both in step."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from comcep.core import exchange
from tests.e2e.a11y import audit, describe
from tests.e2e.conftest import E2E_DB
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, E2E_DB]

DEMO_DIR = Path(settings.BASE_DIR) / "comcep" / "core" / "demo"
BLOCKING = ("serious", "critical")


def load_demo():
    for path in sorted(DEMO_DIR.glob("*.json")):
        exchange.import_content(exchange.load_json(path.read_text(encoding="utf-8")))


def member_context(browser, live_server, user, **options):
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", **options)
    context.set_default_timeout(15_000)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    return context


def audit_pages(page, paths) -> list[str]:
    """Visit each path, run axe-core; return one description per page with blocking violations."""
    problems = []
    for path in paths:
        response = page.goto(path)
        assert response is not None
        violations = [v for v in audit(page) if v["impact"] in BLOCKING]
        if violations:
            problems.append(f"{path} (HTTP {response.status}):\n{describe(violations)}")
    return problems


def demo_urls():
    from comcep.events.models import EventPage
    from forums.models import Space, Thread
    from resources.models import ResourcePage

    resource = ResourcePage.objects.live().public().filter(slug="conduire-l-entretien-de-diagnostic-partage").get()
    space = Space.objects.get(slug="vae-certification")
    thread = Thread.objects.filter(space=space).order_by("pk").first()
    event = EventPage.objects.live().order_by("pk").first()
    return {"resource": resource.url, "space": space.get_absolute_url(), "thread": thread.get_absolute_url(),
            "event": event.url}


def test_public_pages_have_no_serious_violation(page):
    load_demo()
    urls = demo_urls()
    theme = "vae"
    paths = [
        "/",
        "/ressources/",
        f"/ressources/?theme={theme}&tri=recent",
        "/ressources/?theme=inexistant",
        urls["resource"],
        "/recherche/?q=entretien",
        "/recherche/?q=zzzyyyxxx",
        "/agenda/",
        urls["event"],
        "/actualites/",
        "/accessibilite/",
        "/comptes/signup/",
        "/comptes/login/",
        "/cette-page-n-existe-pas/",
    ]
    problems = audit_pages(page, paths)
    assert not problems, "\n\n".join(problems)
    # The audited pages are the real ones: results for "entretien", none for the nonsense word.
    page.goto("/recherche/?q=entretien")
    assert page.locator("li.result").count() > 0
    page.goto("/recherche/?q=zzzyyyxxx")
    assert page.locator("li.result").count() == 0


def test_the_audit_detects_violations(page):
    """Guard against a silently broken harness: a page with an unlabelled field and an image
    without alternative must fail the audit."""
    page.goto("/comptes/login/")
    page.evaluate("""() => {
      const main = document.querySelector('main');
      main.insertAdjacentHTML('beforeend', '<input type="text"><img src="/static/img/favicon.svg">');
    }""")
    ids = {v["id"] for v in audit(page) if v["impact"] in BLOCKING}
    assert {"label", "image-alt"} <= ids


def test_member_pages_have_no_serious_violation(browser, live_server):
    load_demo()
    urls = demo_urls()
    member = UserFactory(display_name="Awa Diallo")
    context = member_context(browser, live_server, member)
    page = context.new_page()
    paths = [
        "/",
        "/echanges/",
        urls["space"],
        urls["thread"],
        f"{urls['space']}poser-une-question/",
        urls["resource"],
        "/recherche/?q=entretien",
        "/mon-espace/",
        "/mon-espace/notifications/",
    ]
    problems = audit_pages(page, paths)
    context.close()
    assert not problems, "\n\n".join(problems)


def test_narrow_screen_pages_have_no_serious_violation_nor_horizontal_scroll(browser, live_server):
    load_demo()
    urls = demo_urls()
    member = UserFactory(display_name="Awa Diallo")
    context = member_context(browser, live_server, member, viewport={"width": 320, "height": 640})
    page = context.new_page()
    paths = ["/", urls["resource"], "/ressources/", urls["thread"], "/recherche/?q=entretien", "/agenda/",
             "/mon-espace/"]
    problems = audit_pages(page, paths[:2])
    overflowing = []
    for path in paths:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            overflowing.append(f"{path}: {width}px")
    context.close()
    # Visitors see a different header (Se connecter, Rejoindre): it must wrap too.
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 320, "height": 640})
    page = context.new_page()
    problems += audit_pages(page, paths[:2])
    page.goto("/")
    header = page.locator("header.site-header").bounding_box()
    search = page.locator("form.site-search").bounding_box()
    assert search["width"] <= 320 and search["height"] < 80, search  # the search box wraps without gaps
    assert header["height"] < 400, header
    for path in paths[:4]:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            overflowing.append(f"{path} (visitor): {width}px")
    context.close()
    assert not problems, "\n\n".join(problems)
    assert not overflowing, f"horizontal scroll at 320 px: {overflowing}"


def test_resource_page_prints_as_a_practice_sheet(page):
    from tests.factories.resources import ResourcePageFactory

    resource = ResourcePageFactory(title="Fiche imprimable", body=[
        ("rich_text", '<p>Voir <a href="https://www.service-public.fr/cep">le site public</a>.</p>'),
        ("callout", {"title": "À retenir", "text": "<p>Le CEP est gratuit et confidentiel.</p>"}),
    ])
    page.goto(resource.url)
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['header.site-header', 'footer.site-footer', 'main form', 'main .button',
                                     'nav.breadcrumb'].map(s => [...document.querySelectorAll(s)]
                                     .filter(el => getComputedStyle(el).display !== 'none').map(() => s)).flat()""")
    assert hidden == []
    link_after = page.locator(".resource-body a[href^='https://www.service-public.fr']").evaluate(
        "el => getComputedStyle(el, '::after').content")
    assert "https://www.service-public.fr/cep" in link_after
    assert page.locator(".callout").evaluate("el => getComputedStyle(el).breakInside") == "avoid"
    source = page.locator(".print-source")
    assert source.is_visible() and resource.url in source.inner_text()
    page.emulate_media(media="screen")
    assert not source.is_visible()
