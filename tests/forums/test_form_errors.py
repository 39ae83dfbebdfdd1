"""The project's rule for a submitted form with errors: status 400, the errors in French next to their
fields, and what the member typed given back (the reply form's rule, on every form of the forums)."""

import html

import pytest

from comcep.core.models import HomePage, StandardPage
from forums.models import Flag, MemberSanction, Post, Thread
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def post(space, other_member):
    return make_thread(space=space, author=other_member, replies=1).posts.order_by("pk").last()


def test_editing_a_post_into_an_empty_text_answers_400_and_keeps_the_form(client, member, space):
    thread = make_thread(space=space, author=member)
    mine = thread.posts.get()
    client.force_login(member)

    response = client.post(f"/echanges/message/{mine.pk}/modifier/", {"body": "   "})

    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert Post.objects.get(pk=mine.pk).body == "Bonjour, une question."


def test_editing_a_post_beyond_the_size_limit_answers_400_and_gives_the_text_back(client, member, space, settings):
    settings.COMCEP_POST_MAX_LENGTH = 40
    mine = make_thread(space=space, author=member).posts.get()
    client.force_login(member)

    response = client.post(f"/echanges/message/{mine.pk}/modifier/", {"body": "Mon texte modifié " + "x" * 40})

    assert response.status_code == 400
    assert "trop long" in page(response)
    assert "Mon texte modifié " + "x" * 40 + "</textarea>" in page(response)


def test_previewing_an_edit_answers_200(client, member, space):
    mine = make_thread(space=space, author=member).posts.get()
    client.force_login(member)
    response = client.post(f"/echanges/message/{mine.pk}/modifier/", {"body": "Nouveau texte", "apercu": ""})
    assert response.status_code == 200


def test_a_flag_without_a_reason_answers_400_and_keeps_the_comment(client, member, post):
    client.force_login(member)

    response = client.post(f"/echanges/message/{post.pk}/signaler/", {"comment": "Il cite un bénéficiaire."})

    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()
    assert "Il cite un bénéficiaire.</textarea>" in page(response)
    assert not Flag.objects.exists()


def test_a_new_thread_without_a_title_answers_400_and_keeps_the_text(client, member, space):
    client.force_login(member)

    response = client.post(f"/echanges/{space.slug}/poser-une-question/", {"title": "", "body": "Texte à garder"})

    assert response.status_code == 400
    assert "Donnez un titre à votre question." in page(response)
    assert "Texte à garder</textarea>" in page(response)
    assert not Thread.objects.exists()


def test_discussing_a_resource_without_a_title_answers_400_and_keeps_the_text(client, member, space):
    resource = HomePage.objects.first().add_child(instance=StandardPage(title="Fiche VAE", slug="fiche-vae"))
    client.force_login(member)

    response = client.post(f"/echanges/discuter/{resource.pk}/", {"space": space.pk, "title": "VAE",
                                                                   "body": "Qui l'a déjà utilisée ?"})

    assert response.status_code == 400
    assert "Le titre doit compter au moins 5 caractères." in page(response)
    assert "Qui l'a déjà utilisée ?</textarea>" in page(response)
    assert not Thread.objects.exists()


def test_hiding_a_post_without_a_reason_answers_400(client, moderator, post):
    client.force_login(moderator)

    response = client.post(f"/echanges/message/{post.pk}/masquer/", {"reason": ""})

    assert response.status_code == 400
    assert "Indiquez le motif." in page(response)
    assert not Post.objects.get(pk=post.pk).is_hidden


def test_suspending_without_a_reason_answers_400_and_keeps_the_date(client, moderator, member):
    client.force_login(moderator)

    response = client.post(f"/echanges/membre/{member.pk}/suspendre/", {"reason": "",
                                                                        "suspended_until": "31/12/2099 18:00"})

    assert response.status_code == 400
    assert "Indiquez le motif." in page(response)
    assert "31/12/2099 18:00" in page(response)
    assert not MemberSanction.objects.exists()
