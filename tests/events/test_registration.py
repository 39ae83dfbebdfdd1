"""Registering, unregistering, capacity, e-mails with .ics, and who sees what."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone
from icalendar import Calendar

from comcep.accounts.enums import MembershipStatus
from comcep.events.enums import Visibility
from comcep.events.models import Registration
from tests.factories import ModeratorFactory, PendingUserFactory, UserFactory
from tests.factories.events import EventPageFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def post(client, event, action):
    return client.post(f"{event.url}{action}/")


def test_member_registers_and_gets_a_confirmation_with_an_ics(client, member, django_capture_on_commit_callbacks):
    event = EventPageFactory(title="Webinaire réforme de la VAE", capacity=10)
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, event, "inscription")
    assert response.status_code == 302
    assert Registration.objects.active().filter(event=event, user=member).count() == 1
    page = client.get(event.url)
    assert "Vous êtes inscrit·e" in page.content.decode()
    assert "9 places restantes" in page.content.decode()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    assert "Inscription confirmée" in message.subject
    assert "Webinaire réforme de la VAE" in message.body
    assert message.alternatives[0][1] == "text/html"
    [(filename, content, mimetype)] = message.attachments
    assert filename == "evenement.ics"
    assert mimetype.startswith("text/calendar")
    cal = Calendar.from_ical(content)
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Webinaire réforme de la VAE"
    assert vevent.decoded("DTSTART") == event.starts_at
    assert vevent["DTSTART"].params["TZID"] == "Europe/Paris"
    assert str(vevent["UID"]) == event.ical_uid()
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"
    assert event.video_url in str(vevent["DESCRIPTION"])  # the registrant gets the link


def test_unregistering_frees_the_seat_and_sends_a_cancellation(client, member, django_capture_on_commit_callbacks):
    event = EventPageFactory(capacity=1)
    RegistrationFactory(event=event, user=member)
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, event, "desinscription")
    assert not Registration.objects.active().filter(event=event).exists()
    assert Registration.objects.filter(event=event, user=member, cancelled_at__isnull=False).exists()
    assert "Désinscription enregistrée" in mail.outbox[0].subject
    other = UserFactory()
    client.force_login(other)
    post(client, event, "inscription")
    assert Registration.objects.active().get(event=event).user == other


def test_member_can_register_again_after_unregistering(client, member):
    event = EventPageFactory()
    client.force_login(member)
    post(client, event, "inscription")
    post(client, event, "desinscription")
    post(client, event, "inscription")
    assert Registration.objects.filter(event=event, user=member).count() == 2
    assert Registration.objects.active().filter(event=event, user=member).count() == 1


def test_registering_twice_keeps_one_registration(client, member):
    event = EventPageFactory()
    client.force_login(member)
    post(client, event, "inscription")
    response = client.post(f"{event.url}inscription/", follow=True)
    assert "déjà inscrit" in response.content.decode()
    assert Registration.objects.active().filter(event=event, user=member).count() == 1


def test_a_full_event_says_complet_and_refuses(client, member):
    event = EventPageFactory(capacity=1)
    RegistrationFactory(event=event)
    client.force_login(member)
    assert "Complet" in client.get(event.url).content.decode()
    response = client.post(f"{event.url}inscription/", follow=True)
    assert "complet" in response.content.decode()
    assert not Registration.objects.filter(event=event, user=member).exists()


def test_past_and_cancelled_events_refuse_registration(client, member):
    now = timezone.now()
    past = EventPageFactory(starts_at=now - dt.timedelta(days=2), ends_at=now - dt.timedelta(days=2, hours=-2),
                            replay_url="https://video.example.fr/replay-vae")
    cancelled = EventPageFactory(is_cancelled=True)
    client.force_login(member)
    for event in (past, cancelled):
        response = client.post(f"{event.url}inscription/", follow=True)
        assert response.status_code == 200
        assert not Registration.objects.filter(event=event).exists()
    html = client.get(past.url).content.decode()
    assert "Voir le replay" in html and "https://video.example.fr/replay-vae" in html


def test_replay_is_hidden_before_the_event(client, member):
    event = EventPageFactory(replay_url="https://video.example.fr/replay")
    assert "https://video.example.fr/replay" not in client.get(event.url).content.decode()


def test_registration_needs_post_and_csrf(member):
    event = EventPageFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.get(f"{event.url}inscription/").status_code == 405
    assert client.post(f"{event.url}inscription/").status_code == 403
    assert not Registration.objects.exists()


def test_visitor_is_sent_to_login_to_register(client):
    event = EventPageFactory()
    response = client.post(f"{event.url}inscription/")
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    assert not Registration.objects.exists()


def test_pending_member_cannot_register(client):
    pending = PendingUserFactory()
    event = EventPageFactory()
    client.force_login(pending)
    response = client.post(f"{event.url}inscription/")
    assert response.status_code == 403
    assert not Registration.objects.exists()


# --- visibility ------------------------------------------------------------------------------


def test_members_only_event_visitor_login_redirect_pending_403_member_ok(client):
    event = EventPageFactory(title="Atelier réservé", visibility=Visibility.MEMBERS)
    response = client.get(event.url)
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    client.force_login(PendingUserFactory())
    response = client.get(event.url)
    assert response.status_code == 403
    assert "Atelier réservé" not in response.content.decode()
    client.force_login(UserFactory())
    assert client.get(event.url).status_code == 200
    client.force_login(ModeratorFactory())
    assert client.get(event.url).status_code == 200


def test_pending_member_is_told_why_a_members_only_event_is_closed_to_them(client):
    # As for a members-only resource: not the generic "Accès refusé", but the reason and where to learn more.
    event = EventPageFactory(title="Atelier réservé", visibility=Visibility.MEMBERS)
    client.force_login(PendingUserFactory())
    response = client.get(event.url)
    html = response.content.decode()
    assert response.status_code == 403
    assert "Accès refusé" not in html and "Atelier réservé" not in html
    assert "Votre compte est en attente de validation" in html
    assert 'href="/mon-espace/en-attente/"' in html


def test_refused_member_is_told_a_members_only_event_needs_an_approved_membership(client):
    event = EventPageFactory(title="Atelier réservé", visibility=Visibility.MEMBERS)
    client.force_login(UserFactory(status=MembershipStatus.REJECTED, rejection_reason="Hors CEP."))
    response = client.get(event.url)
    html = response.content.decode()
    assert response.status_code == 403
    assert "Atelier réservé" not in html
    assert "réservé aux membres dont l&#x27;adhésion a été validée" in html or \
        "réservé aux membres dont l'adhésion a été validée" in html
    assert "en attente de validation" not in html  # not pending: no promise of an e-mail
    assert 'href="/mon-espace/en-attente/"' in html  # where the reason is shown


def test_members_only_events_are_invisible_to_visitors_and_pending_in_the_agenda(client):
    EventPageFactory(title="Rencontre publique")
    EventPageFactory(title="Rencontre réservée", visibility=Visibility.MEMBERS)
    html = client.get("/agenda/").content.decode()
    assert "Rencontre publique" in html and "Rencontre réservée" not in html
    client.force_login(PendingUserFactory())
    assert "Rencontre réservée" not in client.get("/agenda/").content.decode()
    client.force_login(UserFactory())
    assert "Rencontre réservée" in client.get("/agenda/").content.decode()


def test_unpublished_event_is_not_listed_nor_served(client, member):
    event = EventPageFactory(title="Brouillon d'atelier", live=False)
    client.force_login(member)
    assert "Brouillon d'atelier" not in client.get("/agenda/").content.decode()
    assert client.get(f"/agenda/{event.slug}/").status_code == 404


# --- registrants list and CSV -----------------------------------------------------------------


def test_registrants_list_and_csv_only_for_organiser_and_moderators(client, organiser):
    event = EventPageFactory(organiser=organiser)
    registrant = UserFactory(display_name="Jeanne Martin", email="jeanne.martin@example.fr")
    RegistrationFactory(event=event, user=registrant)
    csv_url = f"{event.url}inscrits/export/"

    assert client.get(csv_url).status_code == 302  # visitor: login
    for user in (PendingUserFactory(), UserFactory(), registrant):
        client.force_login(user)
        assert "jeanne.martin@example.fr" not in client.get(event.url).content.decode()
        assert client.get(csv_url).status_code == 403

    for user in (organiser, ModeratorFactory()):
        client.force_login(user)
        assert "jeanne.martin@example.fr" in client.get(event.url).content.decode()
        response = client.get(csv_url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        assert "jeanne.martin@example.fr" in response.content.decode("utf-8-sig")


def test_csv_export_neutralises_formulas(client, moderator):
    event = EventPageFactory()
    for name in ("=HYPERLINK(\"http://evil\")", "+33 1 23", "-2+3", "@SUM(A1)", "Normal"):
        RegistrationFactory(event=event, user=UserFactory(display_name=name, organisation="=cmd|' /C calc'!A0"))
    client.force_login(moderator)
    content = client.get(f"{event.url}inscrits/export/").content.decode("utf-8-sig")
    rows = [line.split(";") for line in content.strip().splitlines()[1:]]
    names = {row[0].strip('"') for row in rows}
    assert "'=HYPERLINK(\"\"http://evil\"\")" in names or any(n.startswith("'=HYPERLINK") for n in names)
    assert "'+33 1 23" in names and "'-2+3" in names and "'@SUM(A1)" in names and "Normal" in names
    assert all(not cell.strip('"').startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_publishing_a_cancelled_event_tells_each_registrant_once(django_capture_on_commit_callbacks):
    event = EventPageFactory(title="Atelier CPF")
    active = RegistrationFactory(event=event)
    RegistrationFactory(event=event, cancelled_at=timezone.now())
    event.is_cancelled = True
    with django_capture_on_commit_callbacks(execute=True):
        event.save_revision().publish()
        event.save_revision().publish()  # published again: no second e-mail
    assert [m.to for m in mail.outbox] == [[active.user.email]]
    assert "Événement annulé : Atelier CPF" in mail.outbox[0].subject
    vevent = Calendar.from_ical(mail.outbox[0].attachments[0][1]).walk("VEVENT")[0]
    assert str(vevent["STATUS"]) == "CANCELLED"


@override_settings(SITE_URL="https://comcep.example.fr")
def test_confirmation_links_to_the_public_site_not_the_wagtail_site_record(
        client, member, django_capture_on_commit_callbacks):
    # The default Wagtail Site is created as localhost:80: e-mails must use SITE_URL like every other mail.
    event = EventPageFactory(title="Webinaire CPF")
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, event, "inscription")
    [message] = mail.outbox
    expected = f"https://comcep.example.fr{event.url}"
    assert expected in message.body
    assert "localhost" not in message.body
    [vevent] = Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")
    assert str(vevent["URL"]) == expected
