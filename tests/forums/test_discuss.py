""""Discuter de cette ressource" and cited resources shown as cards."""

import pytest
from wagtail.models import PageViewRestriction

from comcep.core.models import HomePage, StandardPage
from forums.models import Thread
from tests.factories import PendingUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def resource_page(db):
    home = HomePage.objects.first()
    return home.add_child(instance=StandardPage(title="Fiche : préparer un entretien VAE", slug="fiche-vae"))


def test_first_visit_offers_a_prefilled_form_then_creates_the_linked_thread(client, member, space, resource_page):
    client.force_login(member)
    url = f"/echanges/discuter/{resource_page.pk}/"
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Discuter de cette ressource" in html and "préparer un entretien VAE" in html
    assert f'<option value="{space.pk}"' in html
    response = client.post(url, {"space": space.pk, "title": "À propos de la fiche VAE",
                                 "body": "Qui l'a déjà utilisée ?"})
    thread = Thread.objects.get()
    assert response.status_code == 302 and thread.about_page_id == resource_page.pk
    assert list(thread.cited_pages.all()) == [resource_page.page_ptr]
    # Next visit: straight to the thread.
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "Ressources citées" in html and "/fiche-vae/" in html


def test_restricted_space_thread_about_a_page_stays_hidden_from_outsiders(client, member, insider, private_space,
                                                                          space, resource_page):
    client.force_login(insider)
    client.post(f"/echanges/discuter/{resource_page.pk}/", {"space": private_space.pk, "title": "Entre nous",
                                                            "body": "Avis ?"})
    client.force_login(member)
    response = client.get(f"/echanges/discuter/{resource_page.pk}/")
    assert response.status_code == 200  # offered to start a visible discussion, not sent to the private one
    assert f'<option value="{private_space.pk}"' not in response.content.decode()
    response = client.post(f"/echanges/discuter/{resource_page.pk}/", {"space": private_space.pk, "title": "Intrus",
                                                                       "body": "x"})
    assert response.status_code == 400 and Thread.objects.count() == 1


def test_unpublished_or_restricted_pages_cannot_be_discussed(client, member, resource_page):
    client.force_login(member)
    resource_page.unpublish()
    assert client.get(f"/echanges/discuter/{resource_page.pk}/").status_code == 404
    resource_page.save_revision().publish()
    PageViewRestriction.objects.create(page=resource_page, restriction_type=PageViewRestriction.LOGIN)
    assert client.get(f"/echanges/discuter/{resource_page.pk}/").status_code == 404
    assert client.get("/echanges/discuter/999999/").status_code == 404


def test_pending_members_cannot_start_a_discussion(client, resource_page):
    client.force_login(PendingUserFactory())
    assert client.get(f"/echanges/discuter/{resource_page.pk}/").status_code == 403


def test_links_to_site_pages_in_a_post_become_resource_cards(client, member, space, resource_page):
    from forums import services

    thread = services.create_thread(space=space, author=member, title="Une bonne fiche",
                                    body="Voir [la fiche](/fiche-vae/) et [ailleurs](https://ailleurs.example/x/)")
    assert list(thread.cited_pages.all()) == [resource_page.page_ptr]


@pytest.mark.parametrize("visibility", ["public", "members"])
def test_resource_page_link_opens_the_discussion(client, member, space, visibility):
    from tests.factories.resources import ResourcePageFactory

    resource = ResourcePageFactory(title="Guide du premier entretien", visibility=visibility)
    client.force_login(member)
    html = client.get(resource.url).content.decode()
    assert f'href="/echanges/discuter/{resource.pk}/"' in html
    response = client.get(f"/echanges/discuter/{resource.pk}/")
    assert response.status_code == 200 and "Guide du premier entretien" in response.content.decode()


def test_the_prefilled_link_shows_a_title_with_markdown_characters_as_typed(client, member, space):
    from comcep.core.markdown import render_markdown

    home = HomePage.objects.first()
    page = home.add_child(instance=StandardPage(title="Fiche [V2] : *bilan* de_compétences", slug="fiche-v2"))
    client.force_login(member)
    response = client.get(f"/echanges/discuter/{page.pk}/")
    body = response.context["form"].initial["body"]
    rendered = render_markdown(body)
    assert rendered.count("<a ") == 1
    assert ">Fiche [V2] : *bilan* de_compétences</a>" in rendered
