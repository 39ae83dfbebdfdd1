"""Bookmarks ("Mes favoris") and "utile" votes: members only, POST + CSRF, once per member."""

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from resources.member_area import bookmarks_panel_context
from resources.models import Bookmark, ResourceStats, UsefulVote
from tests.factories import UserFactory
from tests.factories.resources import ResourcePageFactory

pytestmark = pytest.mark.django_db


def useful_url(page):
    return f"/ressources-actions/{page.pk}/utile/"


def bookmark_url(page):
    return f"/ressources-actions/{page.pk}/favori/"


def test_member_votes_useful_once_and_the_count_shows(client, member, public_resource):
    client.force_login(member)
    response = client.post(useful_url(public_resource), follow=True)
    html = response.content.decode()
    assert "Votre vote « utile » a été enregistré" in html
    assert "1 membre a trouvé cette ressource utile" in html
    assert ResourceStats.objects.get(page=public_resource).useful_count == 1


def test_a_second_vote_is_refused_with_a_message_and_not_counted(client, member, public_resource):
    client.force_login(member)
    client.post(useful_url(public_resource))
    response = client.post(useful_url(public_resource), follow=True)
    assert "un seul vote par membre" in response.content.decode()
    assert UsefulVote.objects.filter(page=public_resource).count() == 1
    assert ResourceStats.objects.get(page=public_resource).useful_count == 1


def test_member_can_withdraw_a_vote(client, member, public_resource):
    client.force_login(member)
    client.post(useful_url(public_resource))
    response = client.post(useful_url(public_resource), {"action": "remove"}, follow=True)
    assert "Votre vote « utile » a été retiré" in response.content.decode()
    assert ResourceStats.objects.get(page=public_resource).useful_count == 0
    assert not UsefulVote.objects.exists()


def test_counts_survive_a_new_publication_of_the_page(client, member, public_resource):
    client.force_login(member)
    client.post(useful_url(public_resource))
    public_resource.title = "Préparer un entretien VAE (mise à jour)"
    public_resource.save_revision().publish()
    assert "1 membre a trouvé cette ressource utile" in client.get(public_resource.url).content.decode()


def test_visitor_sees_a_login_link_and_cannot_post(client, public_resource):
    html = client.get(public_resource.url).content.decode()
    assert f'/comptes/login/?next={public_resource.url}' in html
    assert useful_url(public_resource) not in html
    response = client.post(useful_url(public_resource))
    assert response.status_code == 302 and response["Location"].startswith("/comptes/login/")
    assert not UsefulVote.objects.exists()


def test_pending_member_cannot_vote_or_bookmark(client, pending_member, public_resource):
    client.force_login(pending_member)
    assert client.post(useful_url(public_resource)).status_code == 403
    assert client.post(bookmark_url(public_resource)).status_code == 403
    assert not UsefulVote.objects.exists() and not Bookmark.objects.exists()


def test_actions_require_post_and_csrf(member, public_resource):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(member)
    assert csrf_client.get(useful_url(public_resource)).status_code == 405
    assert csrf_client.post(useful_url(public_resource)).status_code == 403
    assert csrf_client.post(bookmark_url(public_resource)).status_code == 403
    assert not UsefulVote.objects.exists() and not Bookmark.objects.exists()


def test_cannot_act_on_a_resource_one_may_not_see(client, pending_member, members_resource, themes):
    draft = ResourcePageFactory(title="Brouillon", live=False)
    client.force_login(UserFactory())
    assert client.post(useful_url(draft)).status_code == 404
    assert client.post(bookmark_url(draft)).status_code == 404
    assert client.post("/ressources-actions/999999/utile/").status_code == 404


def test_bookmark_add_list_and_remove(client, member, public_resource, members_resource):
    client.force_login(member)
    response = client.post(bookmark_url(public_resource), follow=True)
    assert "ajoutée à vos favoris" in response.content.decode()
    assert "Retirer de mes favoris" in response.content.decode()
    client.post(bookmark_url(members_resource))
    response = client.post(bookmark_url(public_resource), follow=True)  # twice: no duplicate
    assert "déjà dans vos favoris" in response.content.decode()
    html = client.get("/ressources-actions/favoris/").content.decode()
    assert "Préparer un entretien VAE" in html and "Grille confidentielle" in html
    response = client.post(bookmark_url(public_resource),
                           {"action": "remove", "next": "/ressources-actions/favoris/"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/ressources-actions/favoris/"
    assert "retirée de vos favoris" in html
    assert "Préparer un entretien VAE" not in html.split("<main", 1)[1].split("</main>")[0].replace(
        "La ressource a été retirée", "")
    assert ResourceStats.objects.get(page=public_resource).bookmark_count == 0
    assert ResourceStats.objects.get(page=members_resource).bookmark_count == 1


def test_unsafe_next_is_ignored(client, member, public_resource):
    client.force_login(member)
    response = client.post(bookmark_url(public_resource), {"next": "https://evil.example/"})
    assert response["Location"] == public_resource.url


def test_favourites_page_needs_an_approved_member(client, pending_member):
    assert client.get("/ressources-actions/favoris/")["Location"].startswith("/comptes/login/")
    client.force_login(pending_member)
    assert client.get("/ressources-actions/favoris/").status_code == 403


def test_mes_favoris_panel_lists_bookmarks(member, public_resource):
    Bookmark.objects.create(user=member, page=public_resource)
    request = RequestFactory().get("/mon-espace/")
    request.user = member
    context = bookmarks_panel_context(request)
    html = render_to_string("resources/panels/bookmarks.html", {"panel_context": context, "user": member})
    assert "Préparer un entretien VAE" in html
    assert "/ressources-actions/favoris/" in html


@pytest.mark.parametrize("size", [3, 40])
def test_favourites_queries_are_constant(client, member, themes, size, django_assert_max_num_queries):
    for n in range(size):
        Bookmark.objects.create(user=member, page=ResourcePageFactory(title=f"Favori {n}"))
    client.force_login(member)
    with django_assert_max_num_queries(6):
        response = client.get("/ressources-actions/favoris/")
    assert response.content.decode().count("Retirer<span") == min(size, 20)
    request = RequestFactory().get("/mon-espace/")
    request.user = member
    with django_assert_max_num_queries(1):
        bookmarks_panel_context(request)


@pytest.mark.parametrize("size", [2, 30])
def test_resource_page_queries_are_constant(client, member, themes, size, django_assert_max_num_queries):
    page = ResourcePageFactory(title="Ressource centrale", themes=[themes["vae"], themes["cpf"]])
    for n in range(size):
        other = ResourcePageFactory(title=f"Proche {n}", themes=[themes["vae"]])
        Bookmark.objects.create(user=UserFactory(), page=other)
    client.force_login(member)
    with django_assert_max_num_queries(22):
        response = client.get(page.url)
    assert response.content.decode().count(">Proche ") == min(size, 4)  # related resources are limited
