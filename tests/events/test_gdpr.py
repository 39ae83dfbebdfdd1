import pytest
from django.test import override_settings

from comcep.accounts.gdpr import anonymisers, exporters
from comcep.events.models import Registration
from tests.factories import UserFactory
from tests.factories.events import EventPageFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def test_gdpr_export_lists_the_members_registrations(member):
    RegistrationFactory(user=member, event=EventPageFactory(title="Webinaire CPF"))
    data = exporters()["event_registrations"](member)
    assert [d["event"] for d in data] == ["Webinaire CPF"]
    assert data[0]["cancelled_at"] is None


def test_gdpr_export_lists_the_events_the_member_organises(member, django_assert_max_num_queries):
    EventPageFactory(title="Atelier CEP", organiser=member)
    EventPageFactory(title="Webinaire d'une autre", organiser=UserFactory())
    with django_assert_max_num_queries(3):  # one query, whatever the number of events
        data = exporters()["organised_events"](member)
    assert [d["event"] for d in data] == ["Atelier CEP"]
    assert data[0]["url"].startswith("http") and data[0]["starts_at"] and data[0]["cancelled"] is False


def test_account_deletion_removes_registrations_and_detaches_organised_events(member):
    event = EventPageFactory(organiser=member)
    RegistrationFactory(user=member, event=event)
    for anonymise in anonymisers():
        anonymise(member)
    assert not Registration.objects.filter(user=member).exists()
    event.refresh_from_db()
    assert event.organiser is None


def test_member_area_panel_lists_upcoming_registrations_and_organised_events(rf, member):
    from django.template.loader import render_to_string

    from comcep.accounts.member_area import panels

    RegistrationFactory(user=member, event=EventPageFactory(title="Atelier outils numériques"))
    organised = EventPageFactory(title="Rencontre organisée par moi", organiser=member)
    RegistrationFactory(event=organised)
    [panel] = [p for p in panels() if p.key == "events"]
    request = rf.get("/mon-espace/")
    request.user = member
    html = render_to_string(panel.template, {"panel_context": panel.context(request), "request": request})
    assert "Atelier outils numériques" in html
    assert "Rencontre organisée par moi" in html and "1 inscrit·e" in html


@override_settings(SITE_URL="https://comcep.example.fr")
def test_gdpr_export_gives_the_events_public_address(member):
    event = EventPageFactory(title="Webinaire CPF")
    RegistrationFactory(user=member, event=event)
    [data] = exporters()["event_registrations"](member)
    assert data["url"] == f"https://comcep.example.fr{event.url}"
