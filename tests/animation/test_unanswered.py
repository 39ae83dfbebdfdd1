"""The "Sans réponse" list: threads waiting for a first answer, oldest first, one click to answer."""

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from forums import services as forum_services
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory


def test_oldest_unanswered_threads_first_with_a_link_to_the_reply_form(client, moderator):
    space, author, other = SpaceFactory(title="VAE"), UserFactory(), UserFactory()
    now = timezone.now()

    def thread(title, days_ago, **kwargs):
        return forum_services.create_thread(space=space, author=author, title=title, body="?",
                                            created_at=now - timedelta(days=days_ago), **kwargs)

    recent, old = thread("Question récente", 1), thread("Question ancienne", 10)
    answered = thread("Question répondue", 5)
    forum_services.add_reply(thread=answered, author=other, body="Voici")
    bumped = thread("Question relancée par son auteur", 3)
    forum_services.add_reply(thread=bumped, author=author, body="Personne ?")
    hidden = thread("Question masquée", 20)
    forum_services.hide_thread(thread=hidden, moderator=moderator)
    with override_settings(FORUMS_NEW_MEMBER_DAYS=30):
        newcomer = UserFactory()
        forum_services.create_thread(space=space, author=newcomer, title="Question en attente", body="?")

    client.force_login(moderator)
    page = client.get("/echanges/sans-reponse/").content.decode()
    assert page.index("Question ancienne") < page.index("Question relancée") < page.index("Question récente")
    for absent in ("Question répondue", "Question masquée", "Question en attente"):
        assert absent not in page
    assert f'href="{old.get_absolute_url()}#repondre"' in page
    assert f'href="{recent.get_absolute_url()}#repondre"' in page
    assert "3 sujets attendent une première réponse" in page
    assert 'href="/admin/animation/"' in page


def test_the_list_is_paginated(client, moderator):
    space, author = SpaceFactory(), UserFactory()
    for i in range(27):
        forum_services.create_thread(space=space, author=author, title=f"Question numéro {i}", body="?",
                                     created_at=timezone.now() - timedelta(hours=i))
    client.force_login(moderator)
    first = client.get("/echanges/sans-reponse/").content.decode()
    assert "Question numéro 26" in first and "Question numéro 0<" not in first
    assert "Page 1 sur 2" in first
    second = client.get("/echanges/sans-reponse/", {"page": 2}).content.decode()
    assert "Question numéro 0<" in second
    assert client.get("/echanges/sans-reponse/", {"page": "abc"}).status_code == 200


def test_space_slug_sans_reponse_is_reserved():
    from forums.enums import RESERVED_SPACE_SLUGS

    assert "sans-reponse" in RESERVED_SPACE_SLUGS
