"""The search page's active filters read as one sentence in the reader's language."""

import re

import pytest


@pytest.mark.django_db
def test_the_search_pages_chips_read_as_english_in_english(client, make_entry):
    make_entry("Préparer l'entretien de VAE", themes=["vae"])
    html = client.get("/recherche/", {"q": "entretien", "kind": "fiche-pratique"}).content.decode()
    assert re.findall(r'class="filter-chip" href="[^"]*">(.*?) <span', html) == ["Type de contenu : Fiche pratique"]
    client.post("/langue/", {"language": "en", "next": "/"})
    html = client.get("/recherche/", {"q": "entretien", "kind": "fiche-pratique"}).content.decode()
    assert re.findall(r'class="filter-chip" href="[^"]*">(.*?) <span', html) == ["Content type: Practice sheet"]


@pytest.mark.django_db
def test_did_you_mean_reads_as_english_in_english(client, make_entry):
    make_entry("Préparer l'entretien de VAE", themes=["vae"])
    html = client.get("/recherche/", {"q": "entretein"}).content.decode()
    assert re.search(r'Vouliez-vous dire : <a href="[^"]+">entretien</a> \?', html)
    client.post("/langue/", {"language": "en", "next": "/"})
    html = client.get("/recherche/", {"q": "entretein"}).content.decode()
    assert re.search(r'Did you mean: <a href="[^"]+">entretien</a>\?', html)
