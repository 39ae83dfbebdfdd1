"""The library's cached facet index follows every change a reader would see (issue 7), and pages routed
by the one-query route keep Wagtail's behaviour (404s, view restrictions)."""

import re

import pytest
from wagtail.models import PageViewRestriction

from tests.factories.resources import ResourcePageFactory, library

pytestmark = pytest.mark.django_db


def count_of(html: str, param: str, value: str) -> int:
    """The count shown next to a facet value (values with no resource are not shown: 0)."""
    match = re.search(rf'id="f-{param}-{value}".*?<label[^>]*>[^<]*<span class="facet-count">\((\d+)', html, re.S)
    return int(match.group(1)) if match else 0


def total(html: str) -> int:
    return int(re.search(r'id="results-title"[^>]*>(\d+) ressource', html).group(1))


def test_counts_follow_publish_unpublish_edit_and_taxonomy_changes(client, themes):
    first = ResourcePageFactory(title="Fiche VAE une", themes=[themes["vae"]])
    ResourcePageFactory(title="Fiche VAE deux", themes=[themes["vae"]])
    html = client.get("/ressources/").content.decode()
    assert (total(html), count_of(html, "theme", "vae"), count_of(html, "theme", "cpf")) == (2, 2, 0)

    third = ResourcePageFactory(title="Fiche CPF", themes=[themes["cpf"]])  # published after the index was built
    html = client.get("/ressources/").content.decode()
    assert (total(html), count_of(html, "theme", "cpf")) == (3, 1)
    assert "Fiche CPF" in html

    first.unpublish()
    html = client.get("/ressources/").content.decode()
    assert (total(html), count_of(html, "theme", "vae")) == (2, 1)
    assert "Fiche VAE une" not in html

    third.themes.set([themes["vae"]])  # an edit published with new themes
    third.save_revision().publish()
    html = client.get("/ressources/", {"theme": "vae"}).content.decode()
    assert (total(html), count_of(html, "theme", "vae"), count_of(html, "theme", "cpf")) == (2, 2, 0)

    themes["vae"].name = "Validation des acquis (renommé)"  # a term renamed in the admin
    themes["vae"].save()
    assert "Validation des acquis (renommé)" in client.get("/ressources/").content.decode()


def test_members_only_resources_count_for_members_only(client, themes, member):
    ResourcePageFactory(title="Publique", themes=[themes["vae"]])
    ResourcePageFactory(title="Réservée", themes=[themes["vae"]], visibility="members")
    assert count_of(client.get("/ressources/").content.decode(), "theme", "vae") == 1
    client.force_login(member)
    assert count_of(client.get("/ressources/").content.decode(), "theme", "vae") == 2


def test_recent_list_pages_through_the_index_in_order(client, themes):
    for n in range(14):
        ResourcePageFactory(title=f"Fiche numero {n:02d}", themes=[themes["vae"]])
    first_page = client.get("/ressources/").content.decode()
    second_page = client.get("/ressources/", {"page": "2"}).content.decode()
    assert first_page.index("Fiche numero 13") < first_page.index("Fiche numero 02")
    assert "Fiche numero 01" in second_page and "Fiche numero 00" in second_page
    assert "Fiche numero 13" not in second_page


def test_related_resources_share_the_most_themes_and_respect_visibility(client, themes):
    page = ResourcePageFactory(title="Centrale", themes=[themes["vae"], themes["cpf"]])
    ResourcePageFactory(title="Deux themes", themes=[themes["vae"], themes["cpf"]])
    ResourcePageFactory(title="Un theme recent", themes=[themes["cpf"]])
    ResourcePageFactory(title="Sans rapport", themes=[themes["mobilite"]])
    ResourcePageFactory(title="Reservee deux themes", themes=[themes["vae"], themes["cpf"]], visibility="members")
    html = client.get(page.url).content.decode()
    related = html[html.index('id="related-title"'):]
    assert related.index("Deux themes") < related.index("Un theme recent")
    assert "Sans rapport" not in related and "Reservee deux themes" not in related


def test_one_level_routing_keeps_wagtails_answers(client, member):
    """/ressources/ and the like are routed by comcep.core.routing.route_child (compiled once): the
    same page, class and parent as Wagtail's Page.route, a 404 for an unknown or draft section."""
    from django.http import Http404
    from django.test import RequestFactory
    from wagtail.models import Page

    from comcep.core.routing import route_child
    from resources.models import ResourceIndexPage

    home = library().get_parent().specific
    request = RequestFactory().get("/ressources/")
    ours, wagtails = route_child(home, request, "ressources"), Page.route(home, request, ["ressources"])
    assert type(ours.page) is type(wagtails.page) is ResourceIndexPage
    assert ours.page.pk == wagtails.page.pk and ours.page.get_parent().pk == home.pk
    for slug in ("inexistant", "ressources/fiche"):
        with pytest.raises(Http404):
            route_child(home, request, slug)
    draft = home.add_child(instance=ResourceIndexPage(title="Brouillon", slug="brouillon-section", live=False))
    with pytest.raises(Http404):
        route_child(home, request, draft.slug)
    client.force_login(member)
    assert client.get("/ressources/").status_code == 200
    assert client.get("/inexistant/").status_code == 404
    assert client.get("/brouillon-section/").status_code == 404


def test_routing_keeps_wagtails_answers(client, themes, member):
    page = ResourcePageFactory(title="Fiche routee", themes=[themes["vae"]])
    assert client.get(page.url).status_code == 200
    assert client.get("/ressources/fiche-inexistante/").status_code == 404
    assert client.get("/inexistant/fiche-routee/").status_code == 404
    assert client.get("/ressources/fiche-routee/en/trop/").status_code == 404
    assert client.get("/" + "a/" * 12).status_code == 404  # deeper than the compiled shapes: the ORM path
    draft = ResourcePageFactory(title="Brouillon route", live=False)
    assert client.get(f"/ressources/{draft.slug}/").status_code == 404
    # A view restriction on the library applies to its resources.
    PageViewRestriction.objects.create(page=library(), restriction_type=PageViewRestriction.LOGIN)
    response = client.get(page.url)
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    client.force_login(member)
    assert client.get(page.url).status_code == 200
