"""Only administrators approve or refuse the membership of an administrator (staff or superuser): a
moderator is refused on both screens, GET and POST (Wagtail's admin turns the 403 into a redirect to the
dashboard with an error message), and nothing changes."""

import pytest

from comcep.accounts.enums import MembershipStatus
from tests.factories import PendingUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_admin(db):
    return PendingUserFactory(is_staff=True)


@pytest.mark.parametrize(("action", "data"), [("valider", {}), ("refuser", {"reason": "Pas de ce réseau."})])
def test_a_moderator_cannot_decide_on_an_administrator(client, moderator, pending_admin, action, data):
    client.force_login(moderator)
    url = f"/admin/membres/adhesions/{pending_admin.pk}/{action}/"
    for response in (client.get(url), client.post(url, data)):
        assert response.status_code in (302, 403)
        assert response.status_code == 403 or response["Location"] == "/admin/"
    pending_admin.refresh_from_db()
    assert pending_admin.status == MembershipStatus.PENDING


def test_an_administrator_approves_an_administrator(client, admin_user, pending_admin):
    client.force_login(admin_user)
    assert client.post(f"/admin/membres/adhesions/{pending_admin.pk}/valider/").status_code == 302
    pending_admin.refresh_from_db()
    assert pending_admin.status == MembershipStatus.APPROVED
