"""The library's active filters ("chips") read as one sentence in the reader's language: French
spacing and guillemets in French, English punctuation in English."""

import re

import pytest

from resources.models import ResourcePage
from search import services as search_services
from tests.factories.resources import ResourcePageFactory

pytestmark = pytest.mark.django_db

@pytest.fixture
def library(themes):
    page = ResourcePageFactory(title="Conduire l'entretien de diagnostic", themes=[themes["vae"]])
    search_services.reindex(ResourcePage.objects.get(pk=page.pk))


def chips(html: str) -> list[str]:
    [block] = re.findall(r'(?s)<ul class="active-filters"[^>]*>(.*?)</ul>', html)
    return [text.strip() for text in re.findall(r'<li><a href="[^"]*">(.*?)<span class="visually-hidden">', block)]


def test_french_chips_keep_french_spacing_and_guillemets(client, library):
    html = client.get("/ressources/", {"q": "entretien", "theme": "vae"}).content.decode()
    assert chips(html) == ["Texte : « entretien »",
                           "Thème : Validation des acquis de l&#x27;expérience (VAE)"]


def test_english_chips_read_as_english(client, library):
    client.post("/langue/", {"language": "en", "next": "/"})
    html = client.get("/ressources/", {"q": "entretien", "theme": "vae"}).content.decode()
    assert chips(html) == ["Text: “entretien”", "Theme: Validation des acquis de l&#x27;expérience (VAE)"]


def test_the_words_of_a_chip_are_escaped(client, library):
    html = client.get("/ressources/", {"q": "entretien <b>gras</b>"}).content.decode()
    assert chips(html) == ["Texte : « entretien &lt;b&gt;gras&lt;/b&gt; »"]

