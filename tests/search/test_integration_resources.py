"""The resources app's real indexer through the search services (integration check)."""

import io

import pytest
from django.core.management import call_command

from search import services
from tests.factories.resources import ResourcePageFactory
from tests.search.conftest import run_search, titles

pytestmark = pytest.mark.django_db


def test_resource_pages_are_found_with_french_matching_and_permissions(member):
    public = ResourcePageFactory(title="Préparer l'entretien de VAE",
                                 summary="Pour les conseillères qui accompagnent un candidat.")
    members_only = ResourcePageFactory(title="Grille d'évaluation", visibility="members")
    draft = ResourcePageFactory(title="Brouillon sur la VAE", live=False)
    for page in (public, members_only, draft):
        services.reindex(page)
    assert titles(run_search("conseiller vae")) == ["Préparer l'entretien de VAE"]
    assert titles(run_search("evaluation")) == []
    assert titles(run_search("evaluation", user=member)) == ["Grille d'évaluation"]
    outcome = run_search("vae")
    assert [h.entry.facet_kind for h in outcome.hits] == ["fiche-pratique"]
    assert outcome.hits[0].entry.url.startswith("/ressources/")

    call_command("rebuild_search", stdout=io.StringIO())
    assert titles(run_search("vae")) == ["Préparer l'entretien de VAE"]
