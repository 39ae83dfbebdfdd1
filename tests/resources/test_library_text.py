"""Keywords in the library: the unified search's French matching, permissions and ranking
applied to the resource list, combined with the facets ("pertinence" sort)."""

import pytest
from django.test import override_settings

from resources.models import ResourcePage
from search import services as search_services
from tests.factories.resources import ResourcePageFactory
from tests.search.test_services import UNREACHABLE

pytestmark = pytest.mark.django_db

OTHER = "Un document de travail pour le conseiller."


def indexed(**kwargs):
    kwargs.setdefault("summary", OTHER)
    page = ResourcePageFactory(**kwargs)
    search_services.reindex(ResourcePage.objects.get(pk=page.pk))
    return page


def titles(response):
    return [r.title for r in response.context["library"]["resources"]]


@pytest.fixture
def corpus(themes):
    return {
        "best": indexed(title="Conduire l'entretien de diagnostic", themes=[themes["vae"]]),
        "summary": indexed(title="Grille d'observation", summary="Utile pendant les entretiens de suivi.",
                           themes=[themes["cpf"]]),
        "unrelated": indexed(title="Financer une mobilité géographique", themes=[themes["mobilite"]]),
        "members": indexed(title="Entretien : trame réservée", visibility="members", themes=[themes["vae"]]),
    }


def test_keywords_filter_and_rank_by_relevance_with_french_matching(client, corpus):
    response = client.get("/ressources/", {"q": "entretiens"})
    assert titles(response) == ["Conduire l'entretien de diagnostic", "Grille d'observation"]
    assert response.context["library"]["query"].sort == "pertinence"
    html = response.content.decode()
    assert 'value="entretiens"' in html and "Pertinence" in html


def test_members_only_matches_stay_hidden_from_visitors_and_show_for_members(client, corpus, member):
    assert "Entretien : trame réservée" not in titles(client.get("/ressources/", {"q": "entretien"}))
    client.force_login(member)
    assert "Entretien : trame réservée" in titles(client.get("/ressources/", {"q": "entretien"}))


def test_keywords_combine_with_facets_and_counts(client, corpus):
    response = client.get("/ressources/", {"q": "entretien", "theme": "vae"})
    assert titles(response) == ["Conduire l'entretien de diagnostic"]
    theme_counts = {o.value: o.count for f in response.context["library"]["facets"] if f.param == "theme"
                    for o in f.options}
    assert theme_counts["vae"] == 1 and theme_counts["cpf"] == 1 and theme_counts["mobilite"] == 0


def test_removing_the_keywords_keeps_the_filters(client, corpus):
    response = client.get("/ressources/", {"q": "entretien", "theme": "vae"})
    text_filter = response.context["library"]["active_filters"][0]
    assert text_filter["remove_qs"] == "theme=vae"


def test_other_sorts_apply_to_the_matches(client, corpus):
    response = client.get("/ressources/", {"q": "entretien", "tri": "recent"})
    assert sorted(titles(response)) == ["Conduire l'entretien de diagnostic", "Grille d'observation"]


def test_search_engine_down_lists_without_the_keywords_and_says_so(client, corpus):
    with override_settings(WAGTAILSEARCH_BACKENDS=UNREACHABLE):
        response = client.get("/ressources/", {"q": "entretien"})
    assert response.status_code == 200
    assert "momentanément indisponible" in response.content.decode()
    assert "Financer une mobilité géographique" in titles(response)


@pytest.mark.parametrize("extra", [0, 25])
def test_keyword_listing_queries_do_not_grow(client, themes, extra, django_assert_max_num_queries):
    for n in range(3 + extra):
        indexed(title=f"Entretien numéro {n}", themes=[themes["vae"]])
    with django_assert_max_num_queries(22):  # the same bound as the library without keywords
        response = client.get("/ressources/", {"q": "entretien", "theme": "vae"})
    assert len(titles(response)) == min(3 + extra, 12)
