"""`events` and `news` in the comcep-content/1 format: validation paths, idempotence, round trip."""

import copy

import pytest

from comcep.core import exchange
from comcep.events.models import EventPage
from comcep.news.models import NewsPage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DOCUMENT = {
    "format": "comcep-content/1",
    "themes": [{"slug": "vae", "name": "Validation des acquis de l'expérience (VAE)", "parent": None}],
    "events": [
        {
            "slug": "webinaire-reforme-vae", "title": "Webinaire : la réforme de la VAE", "kind": "webinaire",
            "starts_at": "2026-03-29T01:30:00+01:00", "ends_at": "2026-03-29T03:30:00+02:00",
            "place": "", "video_url": "https://visio.example.fr/vae", "region": None, "themes": ["vae"],
            "audiences": ["salaries"], "capacity": 100, "visibility": "public",
            "organiser": "awa.diallo@example.fr",
            "description": "## Programme\n\nLes **nouveautés** de la réforme.",
        },
        {
            "slug": "rencontre-cep-bretagne", "title": "Rencontre régionale CEP Bretagne",
            "kind": "rencontre-regionale", "starts_at": "2026-10-25T09:00:00+01:00",
            "ends_at": "2026-10-25T17:00:00+01:00", "place": "Rennes", "video_url": "", "region": "bretagne",
            "themes": [], "audiences": [], "capacity": None, "visibility": "members", "organiser": None,
            "description": "Une journée d'échanges.",
        },
    ],
    "news": [
        {"slug": "reforme-vae", "title": "Réforme de la VAE : ce qui change", "date": "2026-01-15",
         "intro": "Le point sur la réforme.", "body": "## Contexte\n\n> Une citation\n\nTexte *important*.",
         "themes": ["vae"], "visibility": "public"},
    ],
}



@pytest.fixture
def organiser(db):
    return UserFactory(email="awa.diallo@example.fr")


def test_import_creates_events_and_news_and_reimport_changes_nothing(organiser):
    ctx = exchange.import_content(copy.deepcopy(DOCUMENT))
    assert ctx.counts["events"]["created"] == 2 and ctx.counts["news"]["created"] == 1
    event = EventPage.objects.get(slug="webinaire-reforme-vae")
    assert event.live and event.url == "/agenda/webinaire-reforme-vae/"
    assert event.starts_at.isoformat() == "2026-03-29T00:30:00+00:00"
    assert event.organiser == organiser
    assert "<h2>Programme</h2>" in event.description and "<strong>nouveautés</strong>" in event.description
    assert [t.slug for t in event.themes.all()] == ["vae"]
    news = NewsPage.objects.get(slug="reforme-vae")
    assert news.live and news.url == "/actualites/reforme-vae/"
    revisions = EventPage.objects.get(slug="webinaire-reforme-vae").revisions.count()

    ctx = exchange.import_content(copy.deepcopy(DOCUMENT))
    assert ctx.counts["events"] == {"unchanged": 2} and ctx.counts["news"] == {"unchanged": 1}
    assert EventPage.objects.get(slug="webinaire-reforme-vae").revisions.count() == revisions


def test_export_round_trips(organiser):
    exchange.import_content(copy.deepcopy(DOCUMENT))
    exported = exchange.export_content()
    first = exported["events"][0]
    assert first["starts_at"] == "2026-03-29T01:30:00+01:00"
    assert first["ends_at"] == "2026-03-29T03:30:00+02:00"
    assert first["description"] == DOCUMENT["events"][0]["description"]
    assert exported["news"][0]["body"] == DOCUMENT["news"][0]["body"]
    ctx = exchange.import_content({"format": exported["format"], "themes": exported["themes"],
                                   "events": exported["events"], "news": exported["news"]})
    assert ctx.counts["events"] == {"unchanged": 2} and ctx.counts["news"] == {"unchanged": 1}


def test_an_update_is_applied(organiser):
    exchange.import_content(copy.deepcopy(DOCUMENT))
    changed = copy.deepcopy(DOCUMENT)
    changed["events"][0]["capacity"] = 5
    ctx = exchange.import_content(changed)
    assert ctx.counts["events"] == {"updated": 1, "unchanged": 1}
    assert EventPage.objects.get(slug="webinaire-reforme-vae").capacity == 5


def test_invalid_input_is_reported_with_json_paths_and_nothing_is_written(organiser):
    bad = copy.deepcopy(DOCUMENT)
    bad["events"][0].update({"kind": "concert", "starts_at": "2026-03-29T01:30:00", "capacity": 0,
                             "organiser": "inconnu@example.fr", "themes": ["vae", "vae2"]})
    bad["events"][1].update({"ends_at": "2026-10-25T08:00:00+01:00", "region": "atlantide",
                             "video_url": "javascript:alert(1)"})
    bad["news"][0].update({"date": "15/01/2026"})
    with pytest.raises(exchange.ContentImportError) as error:
        exchange.import_content(bad)
    paths = {path for path, _ in error.value.errors}
    assert {"events[0].kind", "events[0].starts_at", "events[0].capacity", "events[0].organiser",
            "events[0].themes[1]", "events[1].ends_at", "events[1].region", "events[1].video_url",
            "news[0].date"} <= paths
    assert not EventPage.objects.exists() and not NewsPage.objects.exists()


@pytest.mark.parametrize("section", ["events", "news"])
def test_page_keys_fields_and_choices_are_checked_in_both_sections(organiser, section):
    bad = copy.deepcopy(DOCUMENT)
    first = bad[section][0]
    first.update({"slug": "réforme vae", "couleur": "bleu", "visibility": "secret"})
    bad[section].append({**copy.deepcopy(DOCUMENT[section][0]), "slug": "pareil"})
    bad[section].append({**copy.deepcopy(DOCUMENT[section][0]), "slug": "pareil"})
    del bad[section][-1]["title"]
    with pytest.raises(exchange.ContentImportError) as error:
        exchange.import_content(bad)
    errors = dict(error.value.errors)
    assert errors[f"{section}[0].slug"] == '"réforme vae" is not a slug (letters, digits, "-" and "_")'
    assert errors[f"{section}[0].couleur"].startswith("unknown field (known: slug, title, ")
    assert errors[f"{section}[0].visibility"].startswith('unknown visibility "secret" (known: ')
    last = len(bad[section]) - 1
    assert errors[f"{section}[{last}].slug"] == 'duplicate slug "pareil"'
    assert errors[f"{section}[{last}].title"] == "missing (required)"
    assert f"{section}[{last - 1}].slug" not in errors
    assert not EventPage.objects.exists() and not NewsPage.objects.exists()


def test_a_description_edited_in_the_admin_is_exported_as_markdown_that_imports_back(organiser):
    exchange.import_content(copy.deepcopy(DOCUMENT))
    event = EventPage.objects.get(slug="webinaire-reforme-vae")
    event.description = ('<h2 data-block-key="a">Programme</h2><p data-block-key="b">Les <b>nouveautés </b>: '
                         '*1* sur 2<br/>suite</p><blockquote data-block-key="c">Une citation</blockquote>'
                         '<ul><li data-block-key="d">un</li></ul>')
    event.save_revision().publish()
    exported = exchange.export_content()
    assert exported["events"][0]["description"] == (
        "## Programme\n\nLes **nouveautés** : \\*1\\* sur 2\\\nsuite\n\n> Une citation\n\n- un")
    exchange.import_content({"format": exported["format"], "events": exported["events"]})
    event = EventPage.objects.get(slug="webinaire-reforme-vae")
    assert "<strong>nouveautés</strong> : *1* sur 2<br>" in event.description
    assert "<blockquote>\n<p>Une citation</p>\n</blockquote>" in event.description
