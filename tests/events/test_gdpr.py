import pytest

from comcep.accounts.gdpr import anonymisers, exporters
from comcep.events.models import Registration
from tests.factories.events import EventPageFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def test_gdpr_export_lists_the_members_registrations(member):
    RegistrationFactory(user=member, event=EventPageFactory(title="Webinaire CPF"))
    data = exporters()["event_registrations"](member)
    assert [d["event"] for d in data] == ["Webinaire CPF"]
    assert data[0]["cancelled_at"] is None


def test_account_deletion_removes_registrations_and_detaches_organised_events(member):
    event = EventPageFactory(organiser=member)
    RegistrationFactory(user=member, event=event)
    for anonymise in anonymisers():
        anonymise(member)
    assert not Registration.objects.filter(user=member).exists()
    event.refresh_from_db()
    assert event.organiser is None
