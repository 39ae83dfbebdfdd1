"""A group whose last coordinator leaves or deletes their account: its join requests are not left unseen. The
global moderators (who manage every group) are told it has no coordinator, with its requests waiting, and the
next requests go to them until a coordinator is named."""

import pytest

from comcep.accounts.services import delete_account
from comcep.groups import services
from comcep.notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def asked(user):
    return Notification.objects.filter(recipient=user, kind="groupe-demande")


def told_without_coordinator(user):
    return Notification.objects.filter(recipient=user, kind="groupe-sans-coordinateur")


@pytest.mark.parametrize("departure", ["account deleted", "left"])
def test_the_last_coordinator_gone_the_moderators_are_told_and_receive_the_join_requests(
        client, group, coordinator, moderator, departure):
    waiting = UserFactory(display_name="Véra Attente")
    services.request_join(group=group, user=waiting)
    assert asked(coordinator).exists() and not asked(moderator).exists()

    if departure == "account deleted":
        delete_account(coordinator)
    else:
        services.leave(group=group, user=coordinator)

    told = told_without_coordinator(moderator).get()
    assert "Groupe Auvergne-Rhône-Alpes" in told.title and "n'a plus de coordinateur" in told.title
    assert "1 demande d'adhésion attend une réponse." in told.excerpt
    client.force_login(moderator)
    page = client.get(told.url)
    assert page.status_code == 200 and "Véra Attente" in page.content.decode()

    newcomer = UserFactory(display_name="Nora Nouvelle")
    services.request_join(group=group, user=newcomer)
    assert asked(moderator).filter(title__contains="Nora Nouvelle").exists()


def test_a_group_that_keeps_a_coordinator_asks_only_its_coordinators(group, coordinator, moderator):
    second = UserFactory(display_name="Sam Second")
    services.set_coordinators(group=group, users=[coordinator, second])

    services.leave(group=group, user=coordinator)
    services.request_join(group=group, user=UserFactory())

    assert not told_without_coordinator(moderator).exists()
    assert asked(second).exists() and not asked(moderator).exists()


def test_a_member_leaving_tells_nobody(group, insider, moderator):
    services.leave(group=group, user=insider)
    assert not told_without_coordinator(moderator).exists()
