"""A post, a reply or a thread title made only of invisible characters (zero-width spaces, joiners, word
joiner, byte order mark, no-break spaces) is empty: refused with the empty-message error, the text kept."""

import pytest
from django.core.exceptions import ValidationError

from forums import services
from forums.models import Post, Thread
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db

INVISIBLE = ["\u200b", "\u200c\u200d", "\u2060 \ufeff", "\u00a0\u00a0\n\u200b", "\u3164"]


@pytest.mark.parametrize("body", INVISIBLE)
def test_an_invisible_reply_is_refused(client, member, space, body):
    thread = make_thread(space=space)
    client.force_login(member)
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": body})
    assert response.status_code == 400
    assert "Écrivez votre message." in response.content.decode()
    assert thread.posts.count() == 1
    with pytest.raises(ValidationError) as refused:
        services.add_reply(thread=thread, author=member, body=body)
    assert refused.value.message_dict["body"] == ["Le message ne peut pas être vide."]


def test_an_invisible_question_or_title_is_refused(client, member, space):
    client.force_login(member)
    url = f"/echanges/{space.slug}/poser-une-question/"
    response = client.post(url, {"title": "\u200b" * 6, "body": "\u200b\ufeff"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Le titre doit compter au moins 5 caractères." in html and "Écrivez votre message." in html
    with pytest.raises(ValidationError) as refused:
        services.create_thread(space=space, author=member, title="\u2060" * 8 + "ab", body="Un vrai message.")
    assert "title" in refused.value.message_dict
    assert not Thread.objects.exists() and not Post.objects.exists()


def test_a_message_with_a_joiner_inside_visible_text_is_kept_as_typed(member, space):
    thread = make_thread(space=space)
    body = "Merci \U0001f469\u200d\U0001f4bb !"
    assert services.add_reply(thread=thread, author=member, body=body).body == body
