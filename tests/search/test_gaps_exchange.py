"""Content gaps in the content exchange format (search_gaps) and the demo file."""

import json
from pathlib import Path

import pytest
from django.conf import settings

from comcep.core import exchange
from search.models import SearchGap, SearchQueryLog

pytestmark = pytest.mark.django_db


def test_import_is_idempotent_and_export_keeps_decisions(make_entry):
    entry = make_entry("Le certificat CléA", url="/ressources/certificat-clea/")
    data = {"format": "comcep-content/1", "search_gaps": [
        {"query": "Certificat CléA", "status": "handled", "note": "Fiche publiée", "recommended": entry.url,
         "searches": {"total": 4, "without_result": 3, "days": 10}},
        {"query": "bilan retraite", "searches": {"total": 2, "without_click": 1}},
    ]}
    exchange.import_content(data)
    exchange.import_content(data)
    gap = SearchGap.objects.get(label="certificat clea")
    assert (gap.status, gap.note, gap.recommended_entry) == ("handled", "Fiche publiée", entry)
    assert SearchQueryLog.objects.filter(gap=gap).count() == 4
    assert SearchQueryLog.objects.filter(gap=gap, result_count=0).count() == 3
    assert exchange.export_content()["search_gaps"] == [
        {"query": "certificat clea", "status": "handled", "note": "Fiche publiée",
         "recommended": "/ressources/certificat-clea/"}]


def test_bad_items_are_reported_with_their_path(db):
    data = {"format": "comcep-content/1", "search_gaps": [
        {"query": "le la les"}, {"query": "vae", "status": "fini"}, {"query": "VAE"},
        {"query": "cpf", "recommended": "/nulle-part/"},
        {"query": "ptp", "searches": {"total": 1, "without_result": 2}}]}
    with pytest.raises(exchange.ContentImportError) as error:
        exchange.import_content(data)
    paths = [path for path, _message in error.value.errors]
    assert paths == ["search_gaps[0].query", "search_gaps[1].status", "search_gaps[2].query",
                     "search_gaps[3].recommended", "search_gaps[4].searches"]
    assert not SearchGap.objects.exists()


def test_demo_file_fills_the_report(client, moderator):
    path = Path(settings.BASE_DIR) / "comcep" / "core" / "demo" / "50-recherche.json"
    exchange.import_content(json.loads(path.read_text()))
    client.force_login(moderator)
    html = client.get("/admin/recherche/lacunes/").content.decode()
    assert "reconversion infirmiere" in html and "financer le permis de conduire" in html
