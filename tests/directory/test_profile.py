"""Profile pages: the card and the public contributions, only as the reader may see them."""

import pytest
from django.contrib.auth.models import Group

from forums import services as forum_services
from resources.enums import Visibility
from tests.factories.forums import SpaceFactory, make_thread
from tests.factories.resources import ResourcePageFactory

from .conftest import listed_member, operator, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(theme_vae):
    return listed_member(display_name="Alice Autrice", organisation="Cap emploi Rennes",
                         operator=operator("cap-emploi"), region=region("bretagne"), themes=[theme_vae],
                         presentation="J'accompagne les reconversions.\nEt la VAE.")


def test_profile_card(client, member, author):
    client.force_login(member)
    response = client.get(f"/annuaire/{author.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ["Alice Autrice", "Cap emploi Rennes", "Cap emploi", "Bretagne", "Validation des acquis",
                 "J&#x27;accompagne les reconversions.<br>Et la VAE."]:
        assert text in html
    assert author.email not in html


def test_credited_resources_follow_the_readers_rights(client, member, author):
    ResourcePageFactory(title="Fiche publique de Alice", author=author)
    ResourcePageFactory(title="Fiche réservée de Alice", author=author, visibility=Visibility.MEMBERS)
    ResourcePageFactory(title="Brouillon de Alice", author=author, live=False)
    ResourcePageFactory(title="Fiche de quelqu'un d'autre")
    client.force_login(member)
    html = client.get(f"/annuaire/{author.pk}/").content.decode()
    assert "Fiche publique de Alice" in html
    assert "Fiche réservée de Alice" in html  # every approved member may read members-only resources
    assert "Brouillon de Alice" not in html
    assert "Fiche de quelqu&#x27;un d&#x27;autre" not in html


def test_threads_and_certified_answers_follow_the_readers_rights(client, member, moderator, author):
    space = SpaceFactory(title="VAE")
    group = Group.objects.create(name="Région Bretagne (test)")
    private = SpaceFactory(title="Bretagne entre nous", groups=[group])
    author.groups.add(group)
    make_thread(space=space, author=author, title="Sujet visible de Alice")
    make_thread(space=private, author=author, title="Sujet privé de Alice")
    hidden = make_thread(space=space, author=author, title="Sujet masqué de Alice")
    forum_services.hide_thread(thread=hidden, moderator=moderator, reason="Hors sujet")
    question = make_thread(space=space, title="Question de quelqu'un")
    answer = forum_services.add_reply(thread=question, author=author, body="Ma réponse experte.")
    forum_services.certify(post=answer, moderator=moderator)
    private_question = make_thread(space=private, author=author, title="Question privée")
    private_answer = forum_services.add_reply(thread=private_question, author=author, body="Réponse privée.")
    forum_services.certify(post=private_answer, moderator=moderator)

    client.force_login(member)
    html = client.get(f"/annuaire/{author.pk}/").content.decode()
    assert "Sujet visible de Alice" in html
    assert "Sujet privé de Alice" not in html
    assert "Question privée" not in html
    assert "Sujet masqué de Alice" not in html
    assert "Question de quelqu&#x27;un" in html  # the certified answer, titled by its thread
    assert answer.get_absolute_url() in html
    assert private_answer.get_absolute_url() not in html

    insider = listed_member(display_name="Membre du groupe")
    insider.groups.add(group)
    client.force_login(insider)
    html = client.get(f"/annuaire/{author.pk}/").content.decode()
    assert "Sujet privé de Alice" in html
    assert private_answer.get_absolute_url() in html
    assert "Sujet masqué de Alice" not in html  # hidden threads are never on a profile


def test_contributions_are_capped_at_ten(client, member, author):
    space = SpaceFactory()
    for i in range(12):
        make_thread(space=space, author=author, title=f"Sujet numéro {i:02d}")
    client.force_login(member)
    response = client.get(f"/annuaire/{author.pk}/")
    threads = next(s for s in response.context["sections"] if s["key"] == "threads")
    assert len(threads["items"]) == 10
    assert threads["items"][0]["title"] == "Sujet numéro 11"


def test_profile_queries_are_constant(client, member, moderator, author, django_assert_max_num_queries):
    space = SpaceFactory()
    ResourcePageFactory(author=author)
    make_thread(space=space, author=author)
    client.force_login(member)
    url = f"/annuaire/{author.pk}/"
    client.get(url)  # warm the site-root cache used to build page URLs
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    for i in range(6):
        ResourcePageFactory(author=author)
        make_thread(space=SpaceFactory(), author=author, title=f"Sujet {i}")
        question = make_thread(space=SpaceFactory(), title=f"Question {i}")
        forum_services.certify(post=forum_services.add_reply(thread=question, author=author, body="Réponse."),
                               moderator=moderator)
    with django_assert_max_num_queries(20) as large:
        response = client.get(url)
    sizes = {s["key"]: len(s["items"]) for s in response.context["sections"]}
    assert sizes == {"resources": 7, "threads": 7, "certified_answers": 6}
    assert len(small) == len(large)


def test_an_id_beyond_any_database_integer_is_a_404_not_a_500(client, member):
    # /annuaire/<int>/ accepts any digits; a foreign-key lookup with such a number overflowed (500 on SQLite).
    client.force_login(member)
    assert client.get("/annuaire/99999999999999999999999/").status_code == 404
