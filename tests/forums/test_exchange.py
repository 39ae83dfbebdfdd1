"""``spaces`` and ``threads`` in import_content / export_content."""

import copy
import json

import pytest
from django.core.management import call_command

from comcep.core import exchange
from comcep.core.exchange import ContentImportError
from forums.models import Post, Space, Thread
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def authors(db):
    return UserFactory(email="awa@example.fr", display_name="Awa D."), UserFactory(email="marc@example.fr")


def document():
    return {
        "format": "comcep-content/1",
        "themes": [{"slug": "vae", "name": "Validation des acquis de l'expérience (VAE)", "parent": None}],
        "spaces": [
            {"slug": "vae-certification", "title": "VAE et certification", "description": "Tout sur la VAE.",
             "visibility": "members", "themes": ["vae"]},
            {"slug": "pratiques", "title": "Pratiques d'accompagnement", "visibility": "members"},
        ],
        "threads": [
            {"space": "vae-certification", "title": "Délais de recevabilité VAE", "author": "awa@example.fr",
             "created_at": "2024-05-02T09:30:00+02:00",
             "posts": [
                 {"author": "awa@example.fr", "body": "Quels délais constatez-vous ?",
                  "created_at": "2024-05-02T09:30:00+02:00"},
                 {"author": "marc@example.fr", "body": "Deux mois **en moyenne**.",
                  "created_at": "2024-05-02T11:00:00+02:00"},
             ]},
            {"space": "pratiques", "title": "Premier entretien : vos trames ?", "author": "MARC@example.fr",
             "created_at": "2024-06-10T14:00:00+02:00", "pinned": True,
             "posts": [{"author": "marc@example.fr", "body": "Je partage la mienne.",
                        "created_at": "2024-06-10T14:00:00+02:00"}]},
        ],
    }


def test_import_creates_spaces_threads_posts_and_counters(authors):
    ctx = exchange.import_content(document())
    assert ctx.counts["spaces"]["created"] == 2 and ctx.counts["threads"]["created"] == 2
    space = Space.objects.get(slug="vae-certification")
    assert [t.slug for t in space.themes.all()] == ["vae"]
    assert (space.thread_count, space.post_count) == (1, 2)
    thread = Thread.objects.get(title="Délais de recevabilité VAE")
    assert thread.post_count == 2 and thread.last_post.author == authors[1]
    assert "<strong>en moyenne</strong>" in thread.last_post.html
    assert Thread.objects.get(title__startswith="Premier").is_pinned


def test_reimport_changes_nothing(authors):
    exchange.import_content(document())
    ctx = exchange.import_content(document())
    assert ctx.counts["threads"] == {"unchanged": 2}
    assert ctx.counts["spaces"] == {"unchanged": 2}
    assert Thread.objects.count() == 2 and Post.objects.count() == 3


def test_reimport_adds_a_new_reply_and_updates_counters(authors):
    exchange.import_content(document())
    doc = document()
    doc["threads"][0]["posts"].append({"author": "awa@example.fr", "body": "Merci !",
                                       "created_at": "2024-05-03T08:00:00+02:00"})
    ctx = exchange.import_content(doc)
    assert ctx.counts["threads"]["updated"] == 1
    assert Thread.objects.get(title="Délais de recevabilité VAE").post_count == 3
    assert Space.objects.get(slug="vae-certification").post_count == 3


def test_errors_carry_json_paths_and_nothing_is_written(authors):
    doc = document()
    doc["spaces"][0]["themes"] = ["vae2"]
    doc["spaces"][1]["slug"] = "discuter"
    doc["threads"][0]["space"] = "inconnu"
    doc["threads"][0]["created_at"] = "2024-05-02 09:30"
    doc["threads"][0]["posts"][1]["author"] = "inconnu@example.fr"
    doc["threads"][1]["posts"] = []
    with pytest.raises(ContentImportError) as excinfo:
        exchange.import_content(doc)
    paths = dict(excinfo.value.errors)
    assert 'unknown theme "vae2"' in paths["spaces[0].themes[0]"]
    assert "reserved" in paths["spaces[1].slug"]
    assert 'unknown space "inconnu"' in paths["threads[0].space"]
    assert "offset" in paths["threads[0].created_at"]
    assert paths["threads[0].posts[1].author"] == 'no member with e-mail "inconnu@example.fr"'
    assert "non-empty" in paths["threads[1].posts"]
    assert not Space.objects.exists() and not Thread.objects.exists()


def test_wrong_types_are_reported(authors):
    doc = document()
    doc["threads"][0]["pinned"] = "oui"
    doc["threads"][0]["posts"][0] = "texte"
    doc["spaces"][0]["visibility"] = "public"
    with pytest.raises(ContentImportError) as excinfo:
        exchange.import_content(doc)
    paths = dict(excinfo.value.errors)
    assert "threads[0].pinned" in paths and "threads[0].posts[0]" in paths and "spaces[0].visibility" in paths


def test_export_round_trips(authors):
    exchange.import_content(document())
    exported = exchange.export_content()
    assert [s["slug"] for s in exported["spaces"]] == ["vae-certification", "pratiques"]
    first = exported["threads"][0]
    assert first["author"] == "awa@example.fr" and first["created_at"].endswith("+02:00")
    assert len(first["posts"]) == 2
    # Re-importing the export into the same database creates nothing.
    ctx = exchange.import_content(copy.deepcopy(exported))
    assert ctx.counts["threads"] == {"unchanged": 2}
    # And into an empty forum it recreates the same content.
    Post.objects.all().delete()
    Thread.objects.all().delete()
    exchange.import_content(exported)
    assert Thread.objects.count() == 2 and Post.objects.count() == 3


def test_threads_created_on_the_site_are_not_duplicated_by_an_export_reimport(authors):
    from forums import services

    exchange.import_content(document())
    services.create_thread(space=Space.objects.get(slug="pratiques"), author=authors[0],
                           title="Sujet créé sur le site", body="Texte")
    exported = exchange.export_content()
    exchange.import_content(exported)
    assert Thread.objects.filter(title="Sujet créé sur le site").count() == 1


def test_management_commands(authors, tmp_path, capsys):
    path = tmp_path / "contenu.json"
    path.write_text(json.dumps(document()), encoding="utf-8")
    call_command("import_content", str(path))
    assert Thread.objects.count() == 2


def test_demo_file_is_valid_and_idempotent(db):
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "comcep" / "core" / "demo"
    # The demo files are imported in order (make demo): the themes come from 10-communaute.json.
    exchange.import_content(json.loads((folder / "10-communaute.json").read_text(encoding="utf-8")))
    data = json.loads((folder / "30-echanges.json").read_text(encoding="utf-8"))
    assert len(data["spaces"]) >= 4 and len(data["threads"]) >= 25
    assert all(2 <= len(t["posts"]) - 1 <= 6 for t in data["threads"])
    exchange.import_content(data)
    assert Thread.objects.count() == len(data["threads"])
    ctx = exchange.import_content(data)
    assert ctx.counts["threads"] == {"unchanged": len(data["threads"])}
    assert ctx.counts["spaces"] == {"unchanged": len(data["spaces"])}
    space = Space.objects.get(slug="vae-certification")
    assert space.post_count == Post.objects.filter(thread__space=space).count()


def test_imported_threads_are_searchable_and_follow_updates(authors, django_capture_on_commit_callbacks):
    from search.models import SearchEntry

    with django_capture_on_commit_callbacks(execute=True):
        exchange.import_content(document())
    entry = SearchEntry.objects.get(kind="thread", title="Délais de recevabilité VAE")
    assert "Deux mois" in entry.body
    assert SearchEntry.objects.filter(kind="thread").count() == 2

    doc = document()
    doc["threads"][0]["posts"].append({"author": "awa@example.fr", "body": "Plutôt trois mois en Bretagne.",
                                       "created_at": "2024-05-03T08:00:00+02:00"})
    with django_capture_on_commit_callbacks(execute=True):
        exchange.import_content(doc)
    assert "trois mois en Bretagne" in SearchEntry.objects.get(pk=entry.pk).body


def test_a_space_made_restricted_by_a_reimport_restricts_its_threads_in_search(
        authors, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import Group

    from search.models import SearchEntry

    with django_capture_on_commit_callbacks(execute=True):
        exchange.import_content(document())
    before = SearchEntry.objects.get(title="Délais de recevabilité VAE").access
    Group.objects.create(name="Groupe VAE")
    doc = document()
    doc["spaces"][0].update(visibility="groups", groups=["Groupe VAE"])
    with django_capture_on_commit_callbacks(execute=True):
        exchange.import_content(doc)
    after = SearchEntry.objects.get(title="Délais de recevabilité VAE").access
    assert after != before and after.startswith("space:")
