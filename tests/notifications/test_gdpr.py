import pytest

from comcep.accounts.gdpr import anonymisers, exporters
from comcep.notifications.models import Notification, NotificationPreference
from comcep.notifications.services import set_preferences
from tests.factories import UserFactory
from tests.factories.notifications import NotificationFactory

pytestmark = pytest.mark.django_db


def test_export_contains_my_notifications_and_preferences(member, settings):
    settings.SITE_URL = "https://comcep.example.fr"
    actor = UserFactory(display_name="Camille R.")
    NotificationFactory(recipient=member, actor=actor, title="Camille vous a mentionné",
                        url="/echanges/vae/12-financer/#message-40")
    NotificationFactory(title="Pas pour moi")
    set_preferences(member, {"test-reply": "daily"}, emails_disabled=True)
    data = exporters()["notifications"](member)
    assert [n["title"] for n in data["notifications"]] == ["Camille vous a mentionné"]
    assert data["notifications"][0]["actor"] == "Camille R."
    # a link that works outside the site (the file is read offline), on the site's public address
    assert data["notifications"][0]["url"] == "https://comcep.example.fr/echanges/vae/12-financer/#message-40"
    assert data["preferences"]["test-reply"] == "daily"
    assert data["emails_disabled"] is True
    import json

    json.dumps(data)  # serialisable as is


def test_anonymiser_deletes_mine_and_detaches_me_as_actor(member):
    other = UserFactory()
    NotificationFactory.create_batch(2, recipient=member)
    member.display_name = "Awa Diallo"
    member.save()
    as_actor = NotificationFactory(recipient=other, actor=member, title="Awa Diallo a répondu à « Financer une VAE »")
    set_preferences(member, {"test-reply": "never"})
    for anonymise in anonymisers():
        if anonymise.__module__.startswith("comcep.notifications"):
            anonymise(member)
    assert not Notification.objects.filter(recipient=member).exists()
    assert not NotificationPreference.objects.filter(user=member).exists()
    as_actor.refresh_from_db()
    assert as_actor.actor is None
    assert as_actor.title == "Membre supprimé a répondu à « Financer une VAE »"
    assert as_actor.recipient == other
