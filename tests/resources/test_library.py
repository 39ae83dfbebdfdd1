"""The library listing: combined filters, counts, sorting, clean URLs, constant queries."""

import re

import pytest

from comcep.taxonomy.models import Audience, Operator, Region, ServiceLevel
from resources import services
from tests.factories import UserFactory
from tests.factories.resources import ResourcePageFactory

pytestmark = pytest.mark.django_db


def titles(response):
    return re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', response.content.decode())


def count_label(response, param, value):
    """The count shown next to a filter checkbox."""
    html = response.content.decode()
    match = re.search(rf'for="f-{param}-{value}">[^<]*<span class="facet-count">\((\d+)', html)
    return int(match.group(1)) if match else None


@pytest.fixture
def catalogue(themes):
    salaries, jeunes = Audience.objects.get(slug="salaries"), Audience.objects.get(slug="jeunes")
    bretagne = Region.objects.get(slug="bretagne")
    accueil = ServiceLevel.objects.get(slug="accueil")
    apec = Operator.objects.get(slug="apec")
    return {
        "vae_guide": ResourcePageFactory(title="Guide VAE salaries", kind="guide", themes=[themes["vae"]],
                                         audiences=[salaries], region=bretagne),
        "vae_fiche": ResourcePageFactory(title="Fiche VAE jeunes", kind="fiche-pratique", themes=[themes["vae"]],
                                         audiences=[jeunes], service_levels=[accueil]),
        "cpf_fiche": ResourcePageFactory(title="Fiche CPF salaries", kind="fiche-pratique",
                                         themes=[themes["cpf"], themes["vae"]], audiences=[salaries],
                                         operators=[apec]),
        "mob_modele": ResourcePageFactory(title="Modele mobilite", kind="modele", themes=[themes["mobilite"]],
                                          region=bretagne),
        "private": ResourcePageFactory(title="Reservee VAE", kind="guide", themes=[themes["vae"]],
                                       visibility="members"),
    }


def test_without_filters_a_visitor_sees_every_public_resource(client, catalogue):
    response = client.get("/ressources/")
    assert sorted(titles(response)) == ["Fiche CPF salaries", "Fiche VAE jeunes", "Guide VAE salaries",
                                        "Modele mobilite"]
    assert "4 ressources" in response.content.decode()


def test_values_of_one_facet_combine_with_or(client, catalogue):
    response = client.get("/ressources/", {"type": ["guide", "modele"]})
    assert sorted(titles(response)) == ["Guide VAE salaries", "Modele mobilite"]


def test_facets_combine_with_and(client, catalogue):
    response = client.get("/ressources/", {"theme": "vae", "public": "salaries"})
    assert sorted(titles(response)) == ["Fiche CPF salaries", "Guide VAE salaries"]
    response = client.get("/ressources/", {"theme": "vae", "public": "salaries", "type": "guide",
                                           "region": "bretagne"})
    assert titles(response) == ["Guide VAE salaries"]


@pytest.mark.parametrize("params,expected", [
    ({"niveau": "accueil"}, ["Fiche VAE jeunes"]),
    ({"operateur": "apec"}, ["Fiche CPF salaries"]),
    ({"region": "national"}, ["Fiche CPF salaries", "Fiche VAE jeunes"]),
    ({"region": ["national", "bretagne"]}, ["Fiche CPF salaries", "Fiche VAE jeunes", "Guide VAE salaries",
                                            "Modele mobilite"]),
])
def test_each_facet_filters(client, catalogue, params, expected):
    assert sorted(titles(client.get("/ressources/", params))) == expected


def test_counts_follow_the_other_filters_and_the_readers_rights(client, catalogue, member):
    response = client.get("/ressources/", {"public": "salaries"})
    assert count_label(response, "theme", "vae") == 2        # guide + cpf fiche (salariés)
    assert count_label(response, "theme", "cpf") == 1
    assert count_label(response, "type", "fiche-pratique") == 1
    # within the selected facet, counts ignore that facet's own selection (OR semantics)
    assert count_label(response, "public", "jeunes") == 1
    client.force_login(member)
    response = client.get("/ressources/", {"type": "guide"})
    assert count_label(response, "theme", "vae") == 2        # the members-only guide counts for a member
    assert count_label(response, "type", "guide") == 2
    client.logout()
    assert count_label(client.get("/ressources/", {"type": "guide"}), "type", "guide") == 1


def test_unknown_filter_values_and_bad_pages_never_fail(client, catalogue):
    response = client.get("/ressources/", {"theme": "inconnu", "type": "<script>", "tri": "n'importe",
                                           "page": "abc", "region": "x" * 500})
    assert response.status_code == 200
    assert "Aucune ressource ne correspond" in response.content.decode()
    assert "<script>" not in response.content.decode().split("<main", 1)[1]
    assert client.get("/ressources/", {"page": "9999"}).status_code == 200


def test_sorting_by_usefulness(client, catalogue):
    voters = UserFactory.create_batch(2)
    for voter in voters:
        services.vote_useful(user=voter, page=catalogue["mob_modele"])
    services.vote_useful(user=voters[0], page=catalogue["vae_fiche"])
    response = client.get("/ressources/", {"tri": "utiles"})
    assert titles(response)[:2] == ["Modele mobilite", "Fiche VAE jeunes"]
    assert "2 membres l'ont trouvée utile" in response.content.decode()


def test_recent_is_the_default_sort_and_relevance_is_not_offered_without_a_query(client, catalogue):
    html = client.get("/ressources/").content.decode()
    assert titles(client.get("/ressources/"))[0] == "Modele mobilite"  # the latest created
    assert "Pertinence" not in html
    assert 'value="recent" selected' in html


def test_every_filter_state_has_a_clean_bookmarkable_url(client, themes):
    for n in range(14):
        ResourcePageFactory(title=f"Fiche numero {n:02d}", themes=[themes["vae"]])
    html = client.get("/ressources/", {"theme": "vae", "tri": "utiles"}).content.decode()
    assert 'href="/ressources/?theme=vae&amp;tri=utiles&amp;page=2"' in html
    html = client.get("/ressources/", {"theme": "vae", "page": "2"}).content.decode()
    assert 'href="/ressources/?theme=vae"' in html  # previous page, no "page=1"
    assert "Page 2 sur 2" in html
    # removing an active filter
    html = client.get("/ressources/", {"theme": "vae", "type": "fiche-pratique"}).content.decode()
    assert 'href="/ressources/?type=fiche-pratique"' in html


def test_the_filter_form_works_without_javascript(client, catalogue):
    html = client.get("/ressources/").content.decode()
    assert '<form class="library-filters" method="get" action="/ressources/"' in html
    assert 'type="checkbox" name="theme" value="vae"' in html
    assert '<button type="submit">Appliquer les filtres</button>' in html


@pytest.mark.parametrize("size", [5, 60])
def test_library_queries_are_constant_with_every_filter_on(client, themes, member, size,
                                                           django_assert_max_num_queries):
    salaries = Audience.objects.get(slug="salaries")
    bretagne = Region.objects.get(slug="bretagne")
    accueil = ServiceLevel.objects.get(slug="accueil")
    apec = Operator.objects.get(slug="apec")
    for n in range(size):
        ResourcePageFactory(title=f"Ressource {n}", kind="guide" if n % 2 else "fiche-pratique",
                            themes=[themes["vae"], themes["cpf"]], audiences=[salaries], service_levels=[accueil],
                            operators=[apec], region=bretagne, visibility="members" if n % 3 == 0 else "public")
    client.force_login(member)
    params = {"type": ["guide", "fiche-pratique"], "theme": ["vae", "cpf"], "public": "salaries",
              "niveau": "accueil", "operateur": "apec", "region": ["bretagne", "national"], "tri": "utiles"}
    with django_assert_max_num_queries(22):
        response = client.get("/ressources/", params)
    assert response.status_code == 200
    assert len(titles(response)) == min(size, 12)
