"""In a real browser: member A asks a question, member B replies quoting it, A sees the
notification in the bell and marks B's answer as the solution."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from forums.models import Post, Thread
from tests.e2e.a11y import assert_no_serious_violations
from tests.e2e.conftest import E2E_DB
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory

pytestmark = [pytest.mark.e2e, E2E_DB]


def logged_in_page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(15_000)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    return context, context.new_page()


def test_question_reply_with_quote_notification_and_solution(browser, live_server):
    long_ago = timezone.now() - timedelta(days=60)  # past the "new member" review period
    awa = UserFactory(display_name="Awa Diallo", date_joined=long_ago)
    bruno = UserFactory(display_name="Bruno Martin", date_joined=long_ago)
    SpaceFactory(slug="vae-certification", title="VAE et certification")

    context_a, page_a = logged_in_page(browser, live_server, awa)
    page_a.goto("/echanges/")
    page_a.get_by_role("link", name="VAE et certification").click()
    page_a.wait_for_url("**/echanges/vae-certification/")
    page_a.get_by_role("link", name="Poser une question").click()
    page_a.wait_for_url("**/echanges/vae-certification/poser-une-question/")
    expect(page_a.get_by_role("toolbar", name="Mise en forme")).to_be_visible()  # forums.js enhancement
    assert_no_serious_violations(page_a)
    page_a.get_by_label("Titre de votre question").fill("Recevabilité VAE : quels délais ?")
    page_a.get_by_label("Votre message").fill("Bonjour, quels délais constatez-vous pour la recevabilité ?")
    page_a.get_by_role("button", name="Publier la question").click()
    page_a.wait_for_url("**/echanges/vae-certification/*-recevabilite-vae-quels-delais/")
    assert page_a.get_by_role("heading", level=1).inner_text().startswith("Recevabilité VAE : quels délais ?")
    thread = Thread.objects.get()

    context_b, page_b = logged_in_page(browser, live_server, bruno)
    page_b.goto(thread.get_absolute_url())
    question = Post.objects.get()
    page_b.locator(f"#message-{question.pk}").get_by_role("link", name="Citer").click()
    page_b.wait_for_url(f"**?citer={question.pk}#repondre")
    reply_box = page_b.get_by_label("Votre réponse")
    assert "> **Awa Diallo** :" in reply_box.input_value()
    reply_box.press("End")
    reply_box.fill(reply_box.input_value() + "Chez nous, comptez environ deux mois.")
    page_b.get_by_role("button", name="Publier la réponse").click()
    page_b.wait_for_url(f"**{thread.get_absolute_url()}#message-*")
    answer = Post.objects.latest("pk")
    assert answer.author == bruno and "<blockquote>" in answer.html
    context_b.close()

    page_a.goto("/")
    bell = page_a.get_by_role("link", name="Notifications")
    assert "1" in bell.inner_text()
    bell.click()
    page_a.get_by_role("link", name="Bruno Martin a répondu à « Recevabilité VAE : quels délais ? »").click()
    page_a.wait_for_url(f"**{thread.get_absolute_url()}*")
    page_a.locator(f"#message-{answer.pk}").get_by_role("button", name="Marquer comme solution (résolu)").click()
    # The form posts to the thread's own address: wait for the new page's heading, not for the URL.
    expect(page_a.get_by_role("heading", name="✔ Résolu : la réponse retenue")).to_be_visible()
    assert_no_serious_violations(page_a)
    page_a.goto("/echanges/vae-certification/")
    expect(page_a.get_by_text("Résolu", exact=True).first).to_be_visible()
    assert_no_serious_violations(page_a)
    thread.refresh_from_db()
    assert thread.solved_post == answer
    context_a.close()
