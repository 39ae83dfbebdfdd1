"""The animation dashboard (Wagtail admin) and the "Sans réponse" list pass the axe audit with the
French demo content; the charts are images with a text alternative and a table."""

import pytest

from comcep.animation import counters
from tests.e2e.a11y import audit, describe
from tests.e2e.conftest import E2E_DB
from tests.e2e.test_accessibility import load_demo, member_context
from tests.factories import ModeratorFactory

pytestmark = [pytest.mark.e2e, E2E_DB]
BLOCKING = ("serious", "critical")


def test_dashboard_and_unanswered_list_have_no_serious_violation(browser, live_server):
    from resources.models import ResourcePage

    load_demo()
    for page_id in ResourcePage.objects.live().values_list("pk", flat=True)[:5]:
        counters.record_view("resource", page_id)
    counters.flush()
    moderator = ModeratorFactory(display_name="Camille Animatrice")
    context = member_context(browser, live_server, moderator)
    page = context.new_page()
    problems = []
    for path in ("/admin/animation/", "/admin/animation/?periode=12m",
                 "/admin/animation/?periode=perso&du=2026-03-31&au=2026-03-01", "/echanges/sans-reponse/"):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        violations = [v for v in audit(page) if v["impact"] in BLOCKING]
        if violations:
            problems.append(f"{path}:\n{describe(violations)}")
    page.goto("/admin/animation/?periode=12m")
    charts = page.locator("svg.animation-chart[role=img]")
    assert charts.count() >= 2
    for i in range(charts.count()):
        chart = charts.nth(i)
        labelled = chart.get_attribute("aria-labelledby").split()
        assert all(page.locator(f"#{ident}").count() == 1 for ident in labelled)
    page.locator("#section-echanges-activite details summary").click()
    assert page.locator("#section-echanges-activite details table").is_visible()
    context.close()
    assert not problems, "\n\n".join(problems)
