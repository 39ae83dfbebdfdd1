"""The `directory` section of the content exchange: members' directory entries are imported,
exported and restored; bad entries are reported with their path and nothing is written."""

import pytest

from comcep.core import exchange
from comcep.directory.models import DirectoryProfile

pytestmark = pytest.mark.django_db

DOC = {
    "format": "comcep-content/1",
    "themes": [{"slug": "vae", "name": "VAE", "parent": None}, {"slug": "reconversion", "name": "Reconversion",
                                                                 "parent": None}],
    "members": [
        {"email": "rachida@ml-exemple.fr", "display_name": "Rachida B.", "organisation": "Mission locale de Roubaix",
         "operator": "mission-locale", "region": "hauts-de-france"},
        {"email": "paul@ft-exemple.fr", "display_name": "Paul T.", "organisation": "France Travail Lille",
         "operator": "france-travail", "region": "hauts-de-france"},
    ],
    "directory": [
        {"member": "Rachida@ml-exemple.fr", "listed": True, "themes": ["vae", "reconversion"],
         "presentation": "J'accompagne les parcours de VAE."},
        {"member": "paul@ft-exemple.fr", "listed": False, "themes": []},
    ],
}


def test_import_creates_the_entries_is_idempotent_and_finds_listed_members(client, member,
                                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ctx = exchange.import_content(DOC)
    assert ctx.counts["directory"] == {"created": 2}
    rachida = DirectoryProfile.objects.get(user__email="rachida@ml-exemple.fr")
    assert rachida.listed and sorted(t.slug for t in rachida.themes.all()) == ["reconversion", "vae"]
    assert not DirectoryProfile.objects.get(user__email="paul@ft-exemple.fr").listed
    assert exchange.import_content(DOC).counts["directory"] == {"unchanged": 2}
    client.force_login(member)
    assert "Rachida B." in client.get("/annuaire/").content.decode()
    results = client.get("/recherche/api/", {"q": "VAE Rachida"}).json()["results"]
    assert [r["title"] for r in results if r["kind"] == "member"] == ["Rachida B."]


def test_export_then_import_restores_the_entries():
    exchange.import_content(DOC)
    exported = exchange.export_content()["directory"]
    assert exported == [
        {"member": "paul@ft-exemple.fr", "listed": False, "themes": []},
        {"member": "rachida@ml-exemple.fr", "listed": True, "themes": ["reconversion", "vae"],
         "presentation": "J'accompagne les parcours de VAE."},
    ]
    DirectoryProfile.objects.all().delete()
    assert exchange.import_content({"format": "comcep-content/1", "directory": exported}).counts["directory"] == {
        "created": 2}
    assert exchange.export_content()["directory"] == exported


@pytest.mark.parametrize(("patch", "path", "message"), [
    ({"member": "inconnu@example.fr"}, "directory[0].member", "unknown member"),
    ({"themes": ["astrologie"]}, "directory[0].themes[0]", "unknown theme"),
    ({"listed": "oui"}, "directory[0].listed", "true or false"),
    ({"presentation": "x" * 601}, "directory[0].presentation", "too long"),
    ({"member": "paul@ft-exemple.fr"}, "directory[1].member", "two directory entries"),
    ({"photo": "moi.png"}, "directory[0].photo", "unknown field"),
])
def test_invalid_entries_are_reported_with_their_path_and_nothing_is_written(patch, path, message):
    doc = {**DOC, "directory": [{**DOC["directory"][0], **patch}, DOC["directory"][1]]}
    with pytest.raises(exchange.ContentImportError) as excinfo:
        exchange.import_content(doc)
    assert any(p == path and message in m for p, m in excinfo.value.errors), excinfo.value.errors
    assert not DirectoryProfile.objects.exists()

