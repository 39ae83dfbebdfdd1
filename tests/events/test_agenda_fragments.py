"""The agenda's event cards come from the content-addressed fragment cache (comcep/core/fragments.py):
a registration, a cancellation or an edit shows at once, and "Vous êtes inscrit·e" is each member's own."""

import re

import pytest
from django.test import Client

from comcep.core import fragments
from comcep.events import services
from tests.factories import UserFactory
from tests.factories.events import EventPageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache_on")]


def event_card(client, title) -> str:
    html = client.get("/agenda/").content.decode()
    match = re.search(rf'<li class="card event-card">(?:(?!</li>).)*?{re.escape(title)}.*?</li>', html, re.S)
    assert match, f"no card for {title}"
    return match.group(0)


def test_seats_cancellation_and_edits_show_at_once(client, member):
    event = EventPageFactory(title="Atelier CEP", capacity=2)
    client.force_login(member)
    assert "2 places restantes" in event_card(client, "Atelier CEP")
    assert fragments.cached_count("agenda-card") == 1
    services.register(event=event, user=UserFactory())
    assert "1 place restante" in event_card(client, "Atelier CEP")
    event.is_cancelled = True
    event.title = "Atelier CEP reporté"
    event.save_revision().publish()
    card = event_card(client, "Atelier CEP reporté")
    assert "Annulé" in card


def test_registration_state_is_each_members_own(client, member):
    event = EventPageFactory(title="Webinaire VAE", capacity=10)
    other = Client()
    other.force_login(UserFactory())
    client.force_login(member)
    services.register(event=event, user=member)
    assert "Vous êtes inscrit·e" in event_card(client, "Webinaire VAE")
    card = event_card(other, "Webinaire VAE")
    assert "Vous êtes inscrit·e" not in card
    assert "9 places restantes" in card


def test_the_filter_form_follows_the_query_and_the_themes(client):
    from tests.factories.events import ThemeFactory

    theme = ThemeFactory(slug="vae", name="VAE")
    html = client.get("/agenda/").content.decode()
    assert '<option value="vae">VAE</option>' in html
    html = client.get("/agenda/", {"theme": "vae"}).content.decode()
    assert '<option value="vae" selected>VAE</option>' in html
    theme.name = "Validation des acquis"
    theme.save()
    html = client.get("/agenda/", {"theme": "vae"}).content.decode()
    assert '<option value="vae" selected>Validation des acquis</option>' in html
    html = client.get("/agenda/", {"theme": "inconnu"}).content.decode()
    assert 'aria-invalid="true"' in html or "errorlist" in html
    assert '<option value="vae">Validation des acquis</option>' in html


def test_the_filters_options_are_the_taxonomys_and_a_new_theme_shows_at_once(client):
    from comcep.events.forms import EventFilterForm
    from comcep.taxonomy.models import Region, Theme

    form = EventFilterForm()
    assert form.fields["region"].choices[2:] == list(Region.objects.values_list("slug", "name"))
    assert form.fields["theme"].choices[1:] == [(t.slug, str(t)) for t in Theme.objects.all()]
    EventPageFactory(title="Atelier CEP")
    Theme.objects.create(slug="theme-tout-neuf", name="Thème tout neuf", sort_order=0)
    html = client.get("/agenda/").content.decode()
    assert '<option value="theme-tout-neuf">Thème tout neuf</option>' in html
