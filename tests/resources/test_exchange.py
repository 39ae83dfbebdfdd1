"""``resources`` in import_content / export_content: validation with JSON paths, all or
nothing, idempotent re-import, export round trip."""

import copy
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from wagtail.models import Revision

from comcep.core import exchange
from comcep.core.exchange import ImportContext
from resources.exchange import ResourceSection
from resources.models import ResourcePage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BODY = "## Les étapes\n\n1. Recevabilité\n2. Livret 2\n\n**Important** : <script>alert(1)</script> [lien](https://www.vae.gouv.fr/)"


def document(**overrides):
    item = {
        "slug": "preparer-un-entretien-vae", "title": "Préparer un entretien VAE", "kind": "fiche-pratique",
        "summary": "Les étapes clés.", "body": BODY, "themes": ["vae"], "audiences": ["salaries"],
        "service_levels": ["accompagnement"], "operators": ["france-travail"], "region": "bretagne",
        "visibility": "public", "published_at": "2024-05-01", "author": None,
    }
    item.update(overrides)
    return {"format": "comcep-content/1",
            "themes": [{"slug": "vae", "name": "Validation des acquis de l'expérience (VAE)", "parent": None}],
            "resources": [item]}


def errors_of(data):
    with pytest.raises(exchange.ContentImportError) as excinfo:
        exchange.import_content(data)
    return dict(excinfo.value.errors)


def test_import_creates_a_published_resource_with_sanitized_rich_text():
    ctx = exchange.import_content(document())
    assert ctx.counts["resources"]["created"] == 1
    page = ResourcePage.objects.get(slug="preparer-un-entretien-vae")
    assert page.live and page.url == "/ressources/preparer-un-entretien-vae/"
    assert timezone.localtime(page.first_published_at).isoformat() == "2024-05-01T09:00:00+02:00"
    assert page.last_published_at == page.first_published_at
    html = page.body[0].value.source
    assert "<h2>Les étapes</h2>" in html and "<ol>" in html and "<strong>Important</strong>" in html
    assert "<script" not in html
    assert [t.slug for t in page.themes.all()] == ["vae"]
    assert page.region.slug == "bretagne"
    assert page.audiences.get().slug == "salaries"


def test_reimporting_the_same_file_changes_nothing_and_adds_no_revision():
    exchange.import_content(document())
    revisions = Revision.objects.count()
    published = ResourcePage.objects.get().last_published_at
    ctx = exchange.import_content(document())
    assert dict(ctx.counts["resources"]) == {"unchanged": 1}
    assert Revision.objects.count() == revisions
    assert ResourcePage.objects.get().last_published_at == published


def test_a_changed_item_updates_the_page_with_one_revision():
    exchange.import_content(document())
    revisions = Revision.objects.count()
    ctx = exchange.import_content(document(title="Préparer l'entretien de VAE", visibility="members"))
    assert dict(ctx.counts["resources"]) == {"updated": 1}
    page = ResourcePage.objects.get()
    assert page.title == "Préparer l'entretien de VAE" and page.visibility == "members"
    assert Revision.objects.count() == revisions + 1


def test_author_may_be_an_existing_member_or_a_member_of_the_same_file():
    author = UserFactory(email="awa@example.fr")
    exchange.import_content(document(author="AWA@example.fr"))
    assert ResourcePage.objects.get().author == author
    ctx = ImportContext(data={})
    ctx.known["members"] |= {"nouvelle@example.fr"}
    ResourceSection().validate([document(author="nouvelle@example.fr")["resources"][0]], ctx)
    assert ctx.errors == []


@pytest.mark.parametrize("overrides,path,fragment", [
    ({"kind": "fiche"}, "resources[0].kind", 'unknown kind "fiche"'),
    ({"themes": ["vae", "vae2"]}, "resources[0].themes[1]", 'unknown theme "vae2"'),
    ({"audiences": ["etudiants"]}, "resources[0].audiences[0]", 'unknown audience "etudiants"'),
    ({"service_levels": ["conseil"]}, "resources[0].service_levels[0]", 'unknown service level "conseil"'),
    ({"operators": ["pole-emploi"]}, "resources[0].operators[0]", 'unknown operator "pole-emploi"'),
    ({"region": "aquitaine"}, "resources[0].region", 'unknown region "aquitaine"'),
    ({"visibility": "private"}, "resources[0].visibility", 'unknown visibility "private"'),
    ({"published_at": "01/05/2024"}, "resources[0].published_at", "invalid date"),
    ({"published_at": "2024-02-30"}, "resources[0].published_at", "invalid date"),
    ({"title": ""}, "resources[0].title", "missing"),
    ({"slug": None}, "resources[0].slug", "missing"),
    ({"slug": "Pas Un Slug"}, "resources[0].slug", "invalid slug"),
    ({"author": "inconnu@example.fr"}, "resources[0].author", "no member with e-mail 'inconnu@example.fr'"),
    ({"body": 42}, "resources[0].body", "must be a string"),
    ({"last_reviewed_on": "hier"}, "resources[0].last_reviewed_on", "invalid date"),
])
def test_invalid_items_are_reported_with_their_path_and_nothing_is_written(overrides, path, fragment):
    errors = errors_of(document(**overrides))
    assert path in errors, errors
    assert fragment in errors[path]
    assert not ResourcePage.objects.exists()


def test_duplicate_slugs_are_reported():
    data = document()
    data["resources"].append(copy.deepcopy(data["resources"][0]))
    assert 'duplicate slug "preparer-un-entretien-vae"' in errors_of(data)["resources[1].slug"]


def test_export_round_trips():
    UserFactory(email="awa@example.fr")
    exchange.import_content(document(author="awa@example.fr", last_reviewed_on="2025-01-10",
                                     organisation="Mission locale de Rennes"))
    exported = exchange.export_content()
    item = exported["resources"][0]
    assert item["body"] == BODY
    assert item["author"] == "awa@example.fr"
    assert item["themes"] == ["vae"] and item["region"] == "bretagne"
    assert item["last_reviewed_on"] == "2025-01-10"
    exported.pop("members", None)  # the members section belongs to the accounts app
    ctx = exchange.import_content(exported)
    assert dict(ctx.counts["resources"]) == {"unchanged": 1}


def test_export_of_a_body_edited_in_the_admin_gives_markdown():
    exchange.import_content(document())
    page = ResourcePage.objects.get()
    page.body = [("heading", "Intertitre"), ("rich_text", "<p>Du <b>gras</b> et une liste :</p><ul><li>un</li></ul>"),
                 ("callout", {"title": "À retenir", "text": "<p>Essentiel</p>"})]
    page.save_revision().publish()
    body = exchange.export_content()["resources"][0]["body"]
    assert body.startswith("## Intertitre\n\nDu **gras** et une liste :\n\n- un")
    assert "> **À retenir**" in body and "> Essentiel" in body


def test_a_body_edited_in_the_admin_exports_quotes_and_line_breaks_that_import_back():
    exchange.import_content(document())
    page = ResourcePage.objects.get()
    page.body = [("rich_text", '<p data-block-key="a">Ligne<br/>suivante, <s>barré</s>, <code>code</code></p>'
                               '<blockquote data-block-key="b">Citation</blockquote><hr/>'),
                 ("quote", {"text": "Un\n\nDeux", "source": "Awa"})]
    page.save_revision().publish()
    exported = exchange.export_content()
    assert exported["resources"][0]["body"] == (
        "Ligne\\\nsuivante, ~~barré~~, `code`\n\n> Citation\n\n---\n\n> Un\n>\n> Deux\n>\n> — Awa")
    exported.pop("members", None)
    exchange.import_content(exported)
    html = ResourcePage.objects.get().body[0].value.source
    assert "Ligne<br>\nsuivante, <s>barré</s>, <code>code</code>" in html
    assert "<blockquote>\n<p>Citation</p>\n</blockquote>\n<hr>" in html


def test_import_content_command_reports_errors_and_imports(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document(kind="inconnu")), encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        call_command("import_content", str(bad))
    assert 'resources[0].kind: unknown kind "inconnu"' in str(excinfo.value)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(document()), encoding="utf-8")
    call_command("import_content", str(good))
    assert ResourcePage.objects.filter(live=True).count() == 1
