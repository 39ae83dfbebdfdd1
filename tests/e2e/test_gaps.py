"""Content gaps in a browser: the recommended result passes the accessibility audit, and a
click on a result (keyboard) goes through the click counter to the resource."""

import pytest

from search.gaps import query_key
from search.models import SearchEntry, SearchGap, SearchQueryLog
from search.query import parse
from tests.e2e.a11y import audit, describe
from tests.e2e.conftest import E2E_DB
from tests.e2e.test_accessibility import BLOCKING, load_demo

pytestmark = [pytest.mark.e2e, E2E_DB]


def test_recommended_result_and_click_through(page):
    load_demo()
    entry = SearchEntry.objects.get(url="/ressources/conduire-l-entretien-de-diagnostic-partage/")
    SearchGap.objects.create(key=query_key(parse("zzzyyyxxx")), label="zzzyyyxxx", status="handled",
                             recommended_entry=entry)
    page.goto("/recherche/?q=zzzyyyxxx")
    assert page.get_by_role("heading", name="Résultat recommandé").is_visible()
    violations = [v for v in audit(page) if v["impact"] in BLOCKING]
    assert not violations, describe(violations)
    link = page.locator(".search-recommended a")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/ressources/conduire-l-entretien-de-diagnostic-partage/")
    assert SearchQueryLog.objects.get(query="zzzyyyxxx").clicks == 1
