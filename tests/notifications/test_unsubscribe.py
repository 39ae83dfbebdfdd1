"""One-click unsubscribe links: no login needed, a GET changes nothing, a POST (from the page
or a mail client's RFC 8058 request without CSRF token) does; tampered links are refused."""

import pytest
from django.core import mail, signing
from django.test import Client

from comcep.notifications.enums import ALL_KINDS
from comcep.notifications.services import get_preferences, notify
from comcep.notifications.tokens import make_unsubscribe_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def _url(token):
    return f"/mon-espace/notifications/desabonnement/{token}/"


def _link_from_a_real_mail(user, commit_callbacks):
    with commit_callbacks(execute=True):
        notify("test-reply", [user], title="Nouvelle réponse", url="/echanges/vae/1-sujet/")
    header = mail.outbox[-1].extra_headers["List-Unsubscribe"].strip("<>")
    return header[header.index("/mon-espace/") :]


def test_get_asks_for_confirmation_and_changes_nothing(csrf_client, django_capture_on_commit_callbacks):
    user = UserFactory(email="awa.diallo@example.fr")
    url = _link_from_a_real_mail(user, django_capture_on_commit_callbacks)
    response = csrf_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Confirmer le désabonnement" in html
    assert "Nouvelle réponse dans un sujet suivi" in html
    assert "a***@example.fr" in html and "awa.diallo@" not in html
    assert get_preferences(user).frequencies["test-reply"] == "immediate"


def test_one_click_post_without_login_or_csrf_token(csrf_client, django_capture_on_commit_callbacks):
    user = UserFactory()
    url = _link_from_a_real_mail(user, django_capture_on_commit_callbacks)
    response = csrf_client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "Désabonnement confirmé" in response.content.decode()
    prefs = get_preferences(user)
    assert prefs.frequencies["test-reply"] == "never"
    assert prefs.frequencies["test-mention"] == "immediate"  # only that kind
    assert prefs.emails_disabled is False

    with django_capture_on_commit_callbacks(execute=True):
        notify("test-reply", [user], title="Encore une réponse", url="/echanges/vae/1-sujet/")
    assert len(mail.outbox) == 1


def test_all_kinds_link_turns_every_email_off(csrf_client):
    user = UserFactory()
    response = csrf_client.post(_url(make_unsubscribe_token(user, ALL_KINDS)))
    assert response.status_code == 200
    assert get_preferences(user).emails_disabled is True


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature changed
        lambda token: "x" + token,
        lambda token: "pas-un-jeton",
        lambda token: signing.dumps({"u": 1, "k": "*"}),  # signed by the site, but for another purpose
    ],
)
def test_tampered_links_are_refused_in_french(csrf_client, mangle):
    user = UserFactory()
    token = mangle(make_unsubscribe_token(user, "test-reply"))
    for response in (csrf_client.get(_url(token)), csrf_client.post(_url(token))):
        assert response.status_code == 400
        assert "Lien de désabonnement invalide" in response.content.decode()
    assert get_preferences(user).frequencies["test-reply"] == "immediate"


def test_a_link_for_another_member_cannot_be_forged_by_changing_the_id(csrf_client):
    awa, bruno = UserFactory.create_batch(2)
    token = make_unsubscribe_token(awa, "test-reply")
    payload, _, signature = token.partition(":")
    forged_payload = signing.dumps({"u": bruno.pk, "k": "test-reply"}, salt="x").partition(":")[0]
    assert csrf_client.post(_url(f"{forged_payload}:{signature}")).status_code == 400
    assert get_preferences(bruno).frequencies["test-reply"] == "immediate"


def test_link_of_a_deleted_account_or_unknown_kind_is_invalid(csrf_client):
    from django.utils import timezone

    gone = UserFactory(deleted_at=timezone.now())
    assert csrf_client.get(_url(make_unsubscribe_token(gone, ALL_KINDS))).status_code == 400
    assert csrf_client.post(_url(make_unsubscribe_token(UserFactory(), "no-such-kind"))).status_code == 400


def test_put_is_not_allowed(csrf_client):
    assert csrf_client.put(_url(make_unsubscribe_token(UserFactory(), ALL_KINDS))).status_code == 405
