"""CSV exports: what a spreadsheet opens (UTF-8 with BOM, ";", French headers, decimal comma)."""

import csv
import io
import zipfile

from forums import services as forum_services
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory


def rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the accents right
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_members_csv_has_french_headers_and_the_figures(client, moderator):
    client.force_login(moderator)
    response = client.get("/admin/animation/export/membres/", {"periode": "perso", "du": "2026-03-01",
                                                               "au": "2026-03-31"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="animation-membres-2026-03-01-2026-03-31.csv"'
    lines = rows(response.content)
    assert lines[0] == ["Membres"]
    assert lines[1] == ["Période", "2026-03-01", "2026-03-31"]
    assert ["Indicateur", "Valeur"] in lines
    assert ["Opérateur", "Nouveaux membres", "Membres actifs", "Membres au total"] in lines
    assert ["Région", "Nouveaux membres", "Membres actifs", "Membres au total"] in lines
    assert ["Île-de-France", "0", "0", "0"] in lines
    assert b"\r\n" in response.content


def test_decimals_use_a_comma(client, moderator):
    space, author, other = SpaceFactory(), UserFactory(), UserFactory()
    for i in range(3):  # three questions (the same one three times at once would be a resubmission)
        forum_services.create_thread(space=space, author=author, title=f"Une question n° {i}", body="?")
    thread = forum_services.create_thread(space=space, author=author, title="Une autre question", body="?")
    forum_services.add_reply(thread=thread, author=other, body="Réponse")
    client.force_login(moderator)
    lines = rows(client.get("/admin/animation/export/echanges-reponses/").content)
    assert ["Part des sujets sans réponse (%)", "75,00"] in lines
    assert [space.title, "4", "3", "75,00"] in lines


def test_export_all_is_a_zip_of_one_csv_per_section(client, moderator):
    client.force_login(moderator)
    response = client.get("/admin/animation/export/", {"periode": "12m"})
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert len(names) == 8
    assert all(name.startswith("animation-") and name.endswith(".csv") for name in names)
    to_review = next(n for n in names if "ressources-a-relire" in n)
    lines = rows(archive.read(to_review))
    assert lines[1][0] == "Situation au"
    assert ["Ressource (lien vers la modification)", "Relue ou publiée le", "Date de", "Mois écoulés"] in lines
