"""Complete journeys with the keyboard only (Tab, Shift+Tab, Enter, Space and typing; no
mouse): search from the header box and filter, bookmark a resource, ask a question.
At every stop the focused element must show the :focus-visible outline."""

import pytest
from playwright.sync_api import expect

from forums.models import Thread
from resources.models import Bookmark
from tests.e2e.conftest import E2E_DB
from tests.e2e.test_accessibility import demo_urls, load_demo, member_context
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, E2E_DB]

MAX_TABS = 120

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName, text: (el.innerText || el.value || el.getAttribute('aria-label') || '').slice(0, 40),
    focusVisible: el.matches(':focus-visible'),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def tab_to(page, locator, *, key="Tab"):
    """Press Tab (or Shift+Tab) until ``locator`` has the focus; check on the way that every
    focused element shows a visible focus indicator. Returns the number of key presses."""
    invisible = []
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press(key)
        state = page.evaluate(FOCUS_STYLE)
        if state and not (state["focusVisible"] and state["outline"]):
            invisible.append(state)
        if locator.evaluate("el => el === document.activeElement"):
            assert not invisible, f"focus not visible on: {invisible}"
            return presses
    raise AssertionError(f"{locator} never received the focus after {MAX_TABS} presses of {key}")


def test_search_from_header_then_filter_with_keyboard(page):
    load_demo()
    page.goto("/")
    search_box = page.get_by_label("Rechercher des ressources et des discussions")
    tab_to(page, search_box)
    page.keyboard.type("entretien")
    page.keyboard.press("Enter")
    page.wait_for_url("**/recherche/?q=entretien*")
    assert "pour « entretien »" in page.locator(".search-summary").inner_text()
    results = page.locator("li.result").count()
    assert results > 0
    first_facet = page.locator("a.facet-option").first
    label = first_facet.locator(".facet-label").inner_text()
    tab_to(page, first_facet)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    chip = page.locator("a.filter-chip").first
    assert label in chip.inner_text()
    assert page.locator("a.facet-option[aria-current='true']").count() == 1
    assert 0 < page.locator("li.result").count() <= results
    # Shift+Tab comes back to the search field of the results page: the journey is reversible.
    tab_to(page, page.locator("#search-page-q"), key="Shift+Tab")
    assert page.locator("#search-page-q").input_value() == "entretien"


def test_bookmark_a_resource_with_keyboard(browser, live_server):
    load_demo()
    urls = demo_urls()
    member = UserFactory(display_name="Awa Diallo")
    context = member_context(browser, live_server, member)
    page = context.new_page()
    page.goto(urls["resource"])
    add = page.get_by_role("button", name="Ajouter à mes favoris")
    tab_to(page, add)
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert page.get_by_role("button", name="Retirer de mes favoris").is_visible()
    assert page.get_by_text("La ressource a été ajoutée à vos favoris.").is_visible()
    assert Bookmark.objects.filter(user=member, page__slug="conduire-l-entretien-de-diagnostic-partage").exists()
    context.close()


def test_ask_a_question_in_a_space_with_keyboard(browser, live_server):
    load_demo()
    urls = demo_urls()
    member = UserFactory(display_name="Awa Diallo")
    context = member_context(browser, live_server, member)
    page = context.new_page()
    page.goto(urls["space"])
    tab_to(page, page.get_by_role("link", name="Poser une question").first)
    page.keyboard.press("Enter")
    page.wait_for_url("**/poser-une-question/")
    tab_to(page, page.get_by_label("Titre de votre question"))
    page.keyboard.type("Bilan de compétences au clavier : vos retours ?")
    tab_to(page, page.get_by_label("Votre message"))
    page.keyboard.type("Bonjour, comment organisez-vous la restitution du bilan ?")
    tab_to(page, page.get_by_role("button", name="Publier la question"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/echanges/vae-certification/*-bilan-de-competences-au-clavier-vos-retours/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Bilan de compétences au clavier")
    thread = Thread.objects.get(title="Bilan de compétences au clavier : vos retours ?")
    assert thread.author == member
    context.close()


def test_a_form_sent_back_with_errors_starts_the_keyboard_at_its_error_summary(browser, live_server):
    """The resource proposal sent with its fields too short: the page comes back with the error summary
    focused (announced first), and Enter on its first link reaches the field in error."""
    load_demo()
    member = UserFactory(display_name="Awa Diallo")
    context = member_context(browser, live_server, member)
    page = context.new_page()
    page.goto("/ressources-actions/proposer/")
    page.locator("#id_title").fill("Fiche")  # 5 characters: accepted; the summary below is too short
    page.locator("#id_summary").fill("Trop court.")
    page.evaluate("() => document.querySelectorAll('form').forEach(form => { form.noValidate = true; })")
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer ma proposition").click()
    summary = page.locator("#form-errors-summary")
    expect(summary).to_be_focused()
    assert "Résumé" in summary.inner_text()
    page.keyboard.press("Tab")
    first_link = summary.get_by_role("link").first
    expect(first_link).to_be_focused()
    target = first_link.get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/proposer/{target}")
    assert page.locator("#id_title").input_value() == "Fiche"  # nothing typed is lost
    context.close()
