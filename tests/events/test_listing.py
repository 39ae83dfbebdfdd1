"""The agenda listing, filters, the public iCalendar feed, the home page and query counts."""

import datetime as dt

import pytest
from django.utils import timezone
from icalendar import Calendar

from comcep.events.enums import EventKind, Visibility
from comcep.taxonomy.models import Region
from tests.factories import UserFactory
from tests.factories.events import EventPageFactory, RegistrationFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def days(n):
    return timezone.now().replace(microsecond=0) + dt.timedelta(days=n)


def test_upcoming_first_in_date_order_and_past_events_on_their_own_page(client):
    EventPageFactory(title="Dans trois jours", starts_at=days(3), ends_at=days(3) + dt.timedelta(hours=1))
    EventPageFactory(title="Demain", starts_at=days(1), ends_at=days(1) + dt.timedelta(hours=1))
    EventPageFactory(title="Le mois dernier", starts_at=days(-30), ends_at=days(-30) + dt.timedelta(hours=1))
    html = client.get("/agenda/").content.decode()
    assert html.index("Demain") < html.index("Dans trois jours")
    assert "Le mois dernier" not in html
    past = client.get("/agenda/passes/").content.decode()
    assert "Événements passés" in past and "Le mois dernier" in past and "Demain" not in past


def test_filters_by_region_kind_and_theme(client):
    vae = ThemeFactory(slug="vae", name="VAE")
    bretagne = Region.objects.get(slug="bretagne")
    EventPageFactory(title="Rencontre CEP Bretagne", kind=EventKind.REGIONAL_MEETING, region=bretagne,
                     place="Rennes")
    EventPageFactory(title="Webinaire VAE", themes=[vae])
    EventPageFactory(title="Formation posture", kind=EventKind.TRAINING)
    html = client.get("/agenda/", {"region": "bretagne"}).content.decode()
    assert "Rencontre CEP Bretagne" in html and "Webinaire VAE" not in html
    html = client.get("/agenda/", {"region": "national"}).content.decode()
    assert "Webinaire VAE" in html and "Rencontre CEP Bretagne" not in html
    html = client.get("/agenda/", {"type": "formation"}).content.decode()
    assert "Formation posture" in html and "Rencontre CEP Bretagne" not in html
    html = client.get("/agenda/", {"theme": "vae"}).content.decode()
    assert "Webinaire VAE" in html and "Formation posture" not in html


def test_a_theme_filter_lists_the_events_of_its_sub_themes_too(client):
    parent = ThemeFactory(slug="parcours-test", name="Parcours")
    child = ThemeFactory(slug="vae-test", name="VAE", parent=parent)
    EventPageFactory(title="Atelier parcours", themes=[parent])
    EventPageFactory(title="Webinaire VAE", themes=[child])
    EventPageFactory(title="Formation posture", themes=[ThemeFactory(slug="posture-test")])
    html = client.get("/agenda/", {"theme": "parcours-test"}).content.decode()
    assert "Atelier parcours" in html and "Webinaire VAE" in html and "Formation posture" not in html
    html = client.get("/agenda/", {"theme": "vae-test"}).content.decode()
    assert "Webinaire VAE" in html and "Atelier parcours" not in html


def test_bad_filter_values_are_reported_not_a_server_error(client):
    EventPageFactory(title="Webinaire VAE")
    response = client.get("/agenda/", {"region": "atlantide", "type": "concert", "page": "abc"})
    assert response.status_code == 200
    assert "Webinaire VAE" in response.content.decode()


def test_pagination(client):
    for i in range(23):
        EventPageFactory(title=f"Atelier numéro {i:02d}", starts_at=days(1 + i),
                         ends_at=days(1 + i) + dt.timedelta(hours=1))
    first = client.get("/agenda/").content.decode()
    assert "Atelier numéro 00" in first and "Atelier numéro 22" not in first
    second = client.get("/agenda/", {"page": 2}).content.decode()
    assert "Atelier numéro 22" in second and "Atelier numéro 00" not in second


def test_public_ical_feed_lists_public_published_non_cancelled_events(client):
    EventPageFactory(title="Webinaire public")
    EventPageFactory(title="Rencontre privée", visibility=Visibility.MEMBERS)
    EventPageFactory(title="Atelier annulé", is_cancelled=True)
    EventPageFactory(title="Brouillon", live=False)
    EventPageFactory(title="Replay récent", starts_at=days(-10), ends_at=days(-10) + dt.timedelta(hours=1))
    EventPageFactory(title="Très ancien", starts_at=days(-400), ends_at=days(-400) + dt.timedelta(hours=1))
    response = client.get("/agenda/agenda.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.content)
    titles = {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}
    assert titles == {"Webinaire public", "Replay récent"}
    assert all("visio.example.fr" not in str(e["DESCRIPTION"]) for e in cal.walk("VEVENT"))
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"


def test_home_page_shows_next_three_events_members_only_for_members(client):
    EventPageFactory(title="Webinaire public A", starts_at=days(1), ends_at=days(1) + dt.timedelta(hours=1))
    EventPageFactory(title="Atelier membres B", visibility=Visibility.MEMBERS, starts_at=days(2),
                     ends_at=days(2) + dt.timedelta(hours=1))
    html = client.get("/").content.decode()
    assert "Prochains événements" in html and "Webinaire public A" in html and "Atelier membres B" not in html
    client.force_login(UserFactory())
    assert "Atelier membres B" in client.get("/").content.decode()


def _fill(count):
    themes = [ThemeFactory() for _ in range(3)]
    region = Region.objects.get(slug="occitanie")
    for i in range(count):
        event = EventPageFactory(themes=themes, region=region, capacity=50, starts_at=days(1 + i),
                                 ends_at=days(1 + i) + dt.timedelta(hours=2))
        for _ in range(2):
            RegistrationFactory(event=event)
    return event


@pytest.mark.parametrize("count", [2, 15])
def test_agenda_listing_queries_do_not_grow_with_events(client, member, count, django_assert_max_num_queries):
    _fill(count)
    client.force_login(member)
    client.get("/agenda/")  # warm the site root paths cache
    with django_assert_max_num_queries(15):
        response = client.get("/agenda/")
    assert response.status_code == 200
    with django_assert_max_num_queries(15):
        client.get("/agenda/", {"theme": "theme-0", "type": "webinaire"})


@pytest.mark.parametrize("registrants", [1, 30])
def test_event_page_queries_do_not_grow_with_registrants(client, moderator, registrants,
                                                        django_assert_max_num_queries):
    event = EventPageFactory(themes=[ThemeFactory(), ThemeFactory()], capacity=100)
    for _ in range(registrants):
        RegistrationFactory(event=event)
    client.force_login(moderator)
    client.get(event.url)
    with django_assert_max_num_queries(18):
        response = client.get(event.url)
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == registrants + 1


def test_the_compiled_agenda_list_is_what_the_orm_gives_each_reader(client):
    """The plain agenda list runs a query compiled once per kind of reader (comcep/events/queries.py):
    each reader gets the ORM's events, in its order, with their own registration flag."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from comcep.events.models import EventIndexPage, EventPage
    from tests.factories import ModeratorFactory, PendingUserFactory

    for n in range(14):
        EventPageFactory(title=f"À venir {n:02}", starts_at=days(1 + n), ends_at=days(1 + n) + dt.timedelta(hours=1),
                         visibility=Visibility.MEMBERS if n % 3 == 0 else Visibility.PUBLIC)
    for n in range(3):
        EventPageFactory(title=f"Passé {n}", starts_at=days(-10 - n), ends_at=days(-10 - n) + dt.timedelta(hours=1))
    member, other = UserFactory(), UserFactory()
    registered = EventPage.objects.get(title="À venir 03")
    RegistrationFactory(event=registered, user=member)
    index = EventIndexPage.objects.get()
    for user in (None, PendingUserFactory(), member, other, ModeratorFactory()):
        request = RequestFactory().get("/agenda/")
        request.user = user or AnonymousUser()
        for past in (False, True):
            shown = index.listing(request, past=past)
            expected = EventPage.objects.child_of(index).for_listing(request.user)
            expected = list(expected.past() if past else expected.upcoming())
            assert shown["paginator"].count == len(expected)
            assert [e.title for e in shown["events"]] == [e.title for e in expected[:len(shown["events"])]]
            assert [e.user_registered for e in shown["events"]] == [
                bool(e.user_registered) for e in expected[:len(shown["events"])]]
        client.logout()
        if user is not None:
            client.force_login(user)
        html = client.get("/agenda/", {"page": 2}).content.decode()
        assert ("À venir 12" in html) is (user is not None and user.is_approved)  # members-only, on page 2
