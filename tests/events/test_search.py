import pytest

from comcep.events.enums import Visibility
from comcep.taxonomy.models import Region
from search.registry import indexer_for
from tests.factories.events import EventPageFactory, ThemeFactory
from tests.factories.news import NewsPageFactory

pytestmark = pytest.mark.django_db


def test_event_search_entry_carries_access_region_and_themes():
    event = EventPageFactory(title="Rencontre CEP Bretagne", visibility=Visibility.MEMBERS,
                             region=Region.objects.get(slug="bretagne"), themes=[ThemeFactory(slug="vae")],
                             description="<p>Échanges sur la <b>VAE</b></p>")
    entry = indexer_for(event).entry(event)
    assert (entry.kind, entry.access, entry.region, entry.themes) == ("event", "members", "bretagne", ["vae"])
    assert entry.url == event.url and "Échanges sur la VAE" in entry.body
    draft = EventPageFactory(live=False)
    assert indexer_for(draft).entry(draft) is None


def test_news_search_entry_is_public_or_members():
    news = NewsPageFactory(title="Réforme de la VAE", body=[("paragraph", "<p>Le guichet unique</p>")])
    entry = indexer_for(news).entry(news)
    assert (entry.kind, entry.access) == ("news", "public")
    assert "Le guichet unique" in entry.body
    members = NewsPageFactory(visibility="members")
    assert indexer_for(members).entry(members).access == "members"
