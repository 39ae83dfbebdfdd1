"""The directory list: who is listed, filters, search, pagination, clean URLs, queries."""

import pytest

from comcep.directory.models import DirectoryProfile
from comcep.directory.views import PROFILES_PER_PAGE
from tests.factories import UserFactory

from .conftest import listed_member, operator, region

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [card.name for card in response.context["cards"]]


@pytest.fixture
def people(theme_vae, theme_numerique):
    return {
        "lyon": listed_member(display_name="Alice Rhône", organisation="Mission locale de Lyon",
                              operator=operator("mission-locale"), region=region("auvergne-rhone-alpes"),
                              themes=[theme_vae]),
        "rennes": listed_member(display_name="Bruno Breton", organisation="Apec Rennes",
                                operator=operator("apec"), region=region("bretagne"),
                                themes=[theme_vae, theme_numerique]),
        "lille": listed_member(display_name="Chloé Nord", organisation="France Travail Lille",
                               operator=operator("france-travail"), region=region("hauts-de-france"),
                               themes=[theme_numerique]),
    }


def test_only_opted_in_members_are_listed(client, member, people):
    not_listed = UserFactory(display_name="Denis Réservé")
    DirectoryProfile.objects.create(user=not_listed, listed=False)
    UserFactory(display_name="Eve Sans Fiche")
    client.force_login(member)
    response = client.get("/annuaire/")
    assert sorted(names(response)) == ["Alice Rhône", "Bruno Breton", "Chloé Nord"]


def test_deleted_account_is_not_listed(client, member, people):
    from comcep.accounts.services import delete_account

    delete_account(people["lille"])
    client.force_login(member)
    assert "Chloé Nord" not in names(client.get("/annuaire/"))
    assert client.get(f"/annuaire/{people['lille'].pk}/").status_code == 404


def test_card_shows_organisation_operator_region_themes_and_excerpt(client, member, theme_vae):
    listed_member(display_name="Alice Rhône", organisation="Mission locale de Lyon",
                  operator=operator("mission-locale"), region=region("auvergne-rhone-alpes"), themes=[theme_vae],
                  presentation="Conseillère depuis dix ans, " + "spécialiste de la VAE " * 20)
    client.force_login(member)
    html = client.get("/annuaire/").content.decode()
    for text in ["Alice Rhône", "Mission locale de Lyon", "Mission locale", "Auvergne-Rhône-Alpes",
                 "Validation des acquis", "Conseillère depuis dix ans"]:
        assert text in html
    assert "spécialiste de la VAE " * 20 not in html  # only an excerpt on the list


def test_presentation_is_escaped(client, member):
    listed = listed_member(display_name="Mallory", presentation='<script>alert("x")</script><b>gras</b>')
    client.force_login(member)
    for url in ["/annuaire/", f"/annuaire/{listed.pk}/"]:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "<b>gras</b>" not in html
        assert "&lt;b&gt;gras&lt;/b&gt;" in html


@pytest.mark.parametrize("query, expected", [
    ("?region=bretagne", ["Bruno Breton"]),
    ("?operateur=france-travail", ["Chloé Nord"]),
    ("?theme=vae-test", ["Alice Rhône", "Bruno Breton"]),
    ("?theme=numerique-test&region=bretagne", ["Bruno Breton"]),
    ("?theme=numerique-test&operateur=mission-locale", []),
    ("?q=nord", ["Chloé Nord"]),
    ("?q=APEC", ["Bruno Breton"]),
    ("?q=lyon&theme=vae-test", ["Alice Rhône"]),
])
def test_filters_and_search_combine(client, member, people, query, expected):
    client.force_login(member)
    response = client.get("/annuaire/" + query)
    assert response.status_code == 200
    assert names(response) == expected


def test_unknown_filter_values_are_ignored_not_errors(client, member, people):
    client.force_login(member)
    response = client.get("/annuaire/?region=atlantide&theme=inconnu&operateur=x")
    assert response.status_code == 200
    assert len(names(response)) == 3


def test_an_unknown_filter_value_is_reported_next_to_its_field(client, member, people):
    """The select is marked invalid and described by a message that exists on the page (without echoing the
    value); the other filters still apply."""
    client.force_login(member)
    response = client.get("/annuaire/?region=atlantide&operateur=apec")
    html = response.content.decode()
    assert 'aria-describedby="id_region_error"' in html
    assert ('<ul class="errorlist" id="id_region_error"><li>Sélectionnez un choix valide. '
            "Ce choix ne fait pas partie") in html
    assert "atlantide" not in html.split('id="id_region_error"')[1].split("</ul>")[0]
    assert "id_operateur_error" not in html
    assert names(response) == ["Bruno Breton"]


def test_empty_and_unknown_parameters_redirect_to_a_clean_url(client, member, people):
    client.force_login(member)
    response = client.get("/annuaire/?q=&region=bretagne&operateur=&theme=&utm=1")
    assert response.status_code == 302
    assert response["Location"] == "/annuaire/?region=bretagne"
    response = client.get("/annuaire/?q=++")
    assert response["Location"] == "/annuaire/"


def test_bad_page_number_is_not_an_error(client, member, people):
    client.force_login(member)
    assert client.get("/annuaire/?page=abc").status_code == 200
    assert client.get("/annuaire/?page=999").status_code == 200


def test_pagination_keeps_filters(client, member, theme_vae):
    for i in range(PROFILES_PER_PAGE + 2):
        listed_member(display_name=f"Membre {i:02d}", region=region("occitanie"), themes=[theme_vae])
    listed_member(display_name="Hors Région", region=region("bretagne"))
    client.force_login(member)
    response = client.get("/annuaire/?region=occitanie")
    assert len(names(response)) == PROFILES_PER_PAGE
    html = response.content.decode()
    assert "27 membres" in html
    assert 'href="?region=occitanie&amp;page=2"' in html
    page2 = client.get("/annuaire/?region=occitanie&page=2")
    assert names(page2) == ["Membre 25", "Membre 26"]


def test_directory_queries_are_constant(client, member, theme_vae, theme_numerique, django_assert_max_num_queries):
    for _ in range(2):
        listed_member(themes=[theme_vae], region=region("bretagne"))
    client.force_login(member)
    client.get("/annuaire/?theme=vae-test")  # the process caches (e.g. the filters' options) warm
    with django_assert_max_num_queries(15) as small:
        assert client.get("/annuaire/?theme=vae-test").status_code == 200
    for _ in range(20):
        listed_member(themes=[theme_vae, theme_numerique], operator=operator("apec"),
                      region=region("occitanie"), presentation="Bonjour")
    with django_assert_max_num_queries(15) as large:
        response = client.get("/annuaire/?theme=vae-test")
    assert len(names(response)) == 22
    assert len(small) == len(large)


@pytest.mark.parametrize("query", ["", "?region=occitanie", "?operateur=apec", "?q=membre", "?page=2",
                                   "?region=occitanie&page=2"])
def test_directory_pages_queries_do_not_grow_with_the_members(client, member, query, django_assert_max_num_queries):
    """The first and a deep page, unfiltered and filtered: the same statements with 3 and 60 listed members
    (and unlisted, pending and deleted ones), each page's rows read by their keys (a deferred join)."""
    from comcep.accounts.enums import MembershipStatus

    def add(count):
        for i in range(count):
            listed_member(display_name=f"Membre {i:03d}", operator=operator("apec"), region=region("occitanie"))
            UserFactory(status=MembershipStatus.PENDING)
            DirectoryProfile.objects.create(user=UserFactory(display_name=f"Membre réservé {i}"), listed=False)

    add(3)
    client.force_login(member)
    client.get("/annuaire/" + query)  # the process caches (e.g. the filters' options) warm
    with django_assert_max_num_queries(15) as small:
        assert client.get("/annuaire/" + query).status_code == 200
    add(57)
    with django_assert_max_num_queries(15) as large:
        response = client.get("/annuaire/" + query)
    assert response.context["page"].paginator.count == 60
    assert len(names(response)) == PROFILES_PER_PAGE
    assert len(small) == len(large)


# --- Accent- and case-insensitive search (name and organisation) ---------------------------


@pytest.fixture
def accented(db):
    return {
        "chloe": listed_member(display_name="Chloé Lefèvre", organisation="Mission locale de Besançon"),
        "oeuvre": listed_member(display_name="Zoé Bœuf", organisation="Cœur d'Île-de-France Œuvres"),
        "plain": listed_member(display_name="Noel Martin", organisation="Apec Lyon"),
    }


@pytest.mark.parametrize("query, expected", [
    ("chloe", ["Chloé Lefèvre"]),
    ("CHLOÉ", ["Chloé Lefèvre"]),
    ("lefevre", ["Chloé Lefèvre"]),
    ("besancon", ["Chloé Lefèvre"]),
    ("BESANÇON", ["Chloé Lefèvre"]),
    ("boeuf", ["Zoé Bœuf"]),
    ("ile-de-france", ["Zoé Bœuf"]),
    ("oeuvres", ["Zoé Bœuf"]),
    ("noël", ["Noel Martin"]),
    ("zoe coeur", ["Zoé Bœuf"]),  # every word must match, in any field
    ("chloe apec", []),
    # LIKE's wildcards are matched literally ("l_on" would match "lyon", "%" and "_" every member).
    ("100%", []),
    ("%", []),
    ("_", []),
    ("l_on", []),
    ("d'ile", ["Zoé Bœuf"]),
])
def test_search_ignores_accents_and_case(client, member, accented, query, expected):
    """Through the ORM on the configured engine (CI runs the suite on SQLite and PostgreSQL)."""
    from urllib.parse import urlencode

    client.force_login(member)
    response = client.get("/annuaire/?" + urlencode({"q": query}))
    assert response.status_code == 200
    assert names(response) == expected


def test_search_follows_a_change_of_name_or_organisation(client, member, accented):
    from comcep.directory.models import DirectoryProfile

    user = accented["plain"]
    user.display_name, user.organisation = "Noémie Garçon", "France Travail Orléans"
    user.save()
    client.force_login(member)
    assert names(client.get("/annuaire/?q=orleans")) == ["Noémie Garçon"]
    assert names(client.get("/annuaire/?q=garcon")) == ["Noémie Garçon"]
    assert names(client.get("/annuaire/?q=apec")) == []
    assert DirectoryProfile.objects.get(user=user).search_text == "noemie garcon\nfrance travail orleans"


def test_the_unfiltered_list_is_every_listed_member_in_order_page_by_page(client, member, theme_vae):
    """The unfiltered list pages every listed member once, in the directory's order, with the cards read for
    them all at once (themes and region included): every page, the last one partial."""
    for i in range(60):
        listed_member(display_name=f"Membre {59 - i:02d}", themes=[theme_vae] if i % 3 else [],
                      region=region("occitanie"))
    DirectoryProfile.objects.create(user=UserFactory(display_name="Membre réservé"), listed=False)
    client.force_login(member)
    expected = [(profile.user_id, tuple(theme.name for theme in profile.themes.all()),
                 profile.user.region.name)
                for profile in DirectoryProfile.objects.listed().in_directory_order().for_listing()]
    seen = []
    for number in (1, 2, 3):
        response = client.get("/annuaire/" + (f"?page={number}" if number > 1 else ""))
        assert response.context["page"].paginator.count == 60
        seen += response.context["cards"]
    assert [card.name for card in seen] == [f"Membre {i:02d}" for i in range(60)]
    assert [(c.user_id, c.themes, c.region) for c in seen] == expected
    assert len(client.get("/annuaire/?page=3").context["cards"]) == 10


def test_the_lists_statements_are_built_once_per_shape_whatever_the_values(client, member, people):
    """The count and the cards are prepared statements (directory/queries.py): another region or search word with
    the same filters and page (the same shape) runs the statement already built, with its own values."""
    from comcep.directory import queries

    client.force_login(member)
    assert names(client.get("/annuaire/?region=bretagne&q=apec")) == ["Bruno Breton"]
    built = queries.LISTED.compilations, queries.CARD_ROWS.compilations
    assert names(client.get("/annuaire/?region=hauts-de-france&q=travail")) == ["Chloé Nord"]
    assert names(client.get("/annuaire/?region=bretagne&q=lyon")) == []
    assert (queries.LISTED.compilations, queries.CARD_ROWS.compilations) == built


def test_a_new_region_can_be_chosen_and_filters_at_once(client, member, people):
    """The filter's options and their ids are kept per process (taxonomy.options): a region created since is
    offered and filters the list on the next request."""
    from comcep.taxonomy.models import Region

    client.force_login(member)
    assert "outre-mer-test" not in client.get("/annuaire/").content.decode()
    new = Region.objects.create(slug="outre-mer-test", name="Outre-mer (test)")
    listed_member(display_name="Dora Lointaine", region=new)
    response = client.get("/annuaire/?region=outre-mer-test")
    assert 'value="outre-mer-test" selected' in response.content.decode()
    assert names(response) == ["Dora Lointaine"]
