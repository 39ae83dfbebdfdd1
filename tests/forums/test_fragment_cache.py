"""The thread page's posts and the space page's thread rows are served from a content-addressed
fragment cache (comcep/core/fragments.py). Every change a reader relies on shows at once, and what a
fragment shows depends on the reader exactly as without the cache: moderators see hidden text and
moderation buttons, members see their own "Non lu" and "Merci / utile" state and get their own CSRF token."""

import re

import pytest
from django.test import Client

from comcep.core import fragments
from forums import services
from forums.models import Post
from tests.factories import UserFactory
from tests.factories.forums import make_thread
from tests.html import without_tokens

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache_on")]


def url(thread):
    return thread.get_absolute_url()


def article(html: str, post: Post) -> str:
    match = re.search(rf'<article[^>]*id="message-{post.pk}".*?</article>', html, re.S)
    assert match, f"post {post.pk} not on the page"
    return match.group(0)


def page(client, thread) -> str:
    response = client.get(url(thread))
    assert response.status_code == 200
    return response.content.decode()


def test_fragments_are_cached_and_served_again(client, member, space):
    thread = make_thread(space=space, replies=2)
    client.force_login(member)
    first = page(client, thread)
    assert fragments.cached_count("forum-post") == 3  # the three posts
    again = page(client, thread)
    assert fragments.cached_count("forum-post") == 3
    for post in Post.objects.filter(thread=thread):
        assert without_tokens(article(again, post)) == without_tokens(article(first, post))


def test_an_edited_post_shows_its_new_text_at_once(client, member, space):
    thread = make_thread(space=space, author=member, body="Texte d'origine.")
    client.force_login(member)
    assert "Texte d'origine." in page(client, thread)
    post = Post.objects.get(thread=thread)
    services.edit_post(post=post, editor=member, body="Texte corrigé après relecture.")
    html = page(client, thread)
    assert "Texte corrigé après relecture." in html
    assert "Texte d'origine." not in html
    assert "modifié" in article(html, post)


def test_a_hidden_post_hides_its_text_from_members_at_once_and_moderators_still_see_it(
        client, member, moderator, space):
    thread = make_thread(space=space, replies=1)
    reply = Post.objects.filter(thread=thread).order_by("pk").last()
    reply_text = "Réponse numéro 1."
    moderator_client = Client()
    moderator_client.force_login(moderator)
    client.force_login(member)
    assert reply_text in article(page(client, thread), reply)  # cached for members
    assert "Masquer" in article(page(moderator_client, thread), reply)  # cached for moderators

    services.hide_post(post=reply, moderator=moderator, reason="Hors sujet")

    member_view = article(page(client, thread), reply)
    assert reply_text not in member_view
    assert "masqué par l'équipe d'animation" in member_view
    assert "Historique" not in member_view and "Rétablir" not in member_view
    moderator_view = article(page(moderator_client, thread), reply)
    assert reply_text in moderator_view  # "Voir le texte (modération)"
    assert "Rétablir" in moderator_view and "Historique" in moderator_view
    assert "Hors sujet" in moderator_view


def test_a_new_reply_shows_in_the_thread_and_in_the_space_list_at_once(client, member, space):
    thread = make_thread(space=space, replies=1)
    client.force_login(member)
    assert "1 réponse" in client.get(space.get_absolute_url()).content.decode()
    page(client, thread)
    replier = UserFactory(display_name="Nadia Nouvelle")
    services.add_reply(thread=thread, author=replier, body="Une toute nouvelle réponse.")
    assert "Une toute nouvelle réponse." in page(client, thread)
    listing = client.get(space.get_absolute_url()).content.decode()
    assert "2 réponses" in listing
    assert "dernière réponse de Nadia Nouvelle" in listing


def test_a_renamed_author_shows_under_the_new_name(client, member, space):
    author = UserFactory(display_name="Ancien Nom")
    thread = make_thread(space=space, author=author)
    client.force_login(member)
    assert "Ancien Nom" in page(client, thread)
    assert "Ancien Nom" in client.get(space.get_absolute_url()).content.decode()
    author.display_name = "Nouveau Nom"
    author.save(update_fields=["display_name"])
    assert "Nouveau Nom" in page(client, thread) and "Ancien Nom" not in page(client, thread)
    listing = client.get(space.get_absolute_url()).content.decode()
    assert "Nouveau Nom" in listing and "Ancien Nom" not in listing


def test_vote_and_unread_state_are_each_members_own(client, member, space):
    thread = make_thread(space=space, replies=2)
    first_reply = Post.objects.filter(thread=thread).order_by("pk")[1]
    other = UserFactory(display_name="Autre Membre")
    other_client = Client()
    other_client.force_login(other)
    client.force_login(member)
    page(client, thread)  # member's marker: everything read
    services.react(post=first_reply, user=member)
    services.add_reply(thread=thread, author=UserFactory(), body="Encore une réponse.")
    newest = Post.objects.filter(thread=thread).order_by("pk").last()

    mine = page(client, thread)
    assert 'aria-pressed="true"' in article(mine, first_reply)
    assert "(1)" in article(mine, first_reply)
    assert "Non lu" in article(mine, newest)
    assert "Non lu" not in article(mine, first_reply)

    theirs = page(other_client, thread)  # first visit: no marker, nothing flagged, not pressed
    assert 'aria-pressed="false"' in article(theirs, first_reply)
    assert "(1)" in article(theirs, first_reply)
    assert "Non lu" not in article(theirs, newest)


def test_each_reader_gets_their_own_csrf_token_in_cached_posts(member, space):
    thread = make_thread(space=space, replies=1)
    reply = Post.objects.filter(thread=thread).order_by("pk").last()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(member)
    other = UserFactory()
    second.force_login(other)
    page(first, thread)  # fills the cache
    html = article(page(second, thread), reply)
    assert fragments.CSRF_PLACEHOLDER not in html
    token = re.search(rf'action="/echanges/message/{reply.pk}/merci/".*?name="csrfmiddlewaretoken" value="([^"]+)"',
                      html, re.S).group(1)
    response = second.post(f"/echanges/message/{reply.pk}/merci/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.useful_count == 1


def test_the_cache_keys_on_the_language(client, member, space):
    thread = make_thread(space=space, replies=1)
    client.force_login(member)
    assert "Signaler" in page(client, thread)
    client.cookies["django_language"] = "en"
    english = page(client, thread)
    assert "Signaler" not in english
    assert ">Flag</a>" in english


def _reply_form(html: str) -> str:
    match = re.search(r'<form method="post" action="[^"]*/repondre/#repondre".*?</form>', html, re.S)
    assert match, "no reply form"
    return match.group(0)


def test_the_cached_reply_form_is_each_threads_own_and_starts_with_the_quoted_post(space):
    """The reply form is a fragment keyed on its thread and the quoted text: a key without either
    would post to another thread or show another quote (or none)."""
    first, second = make_thread(space=space, title="Premier sujet"), make_thread(space=space, title="Second sujet")
    quoted = Post.objects.filter(thread=first).first()
    reader, other = Client(), Client()
    reader.force_login(UserFactory())
    other.force_login(UserFactory())
    for thread in (first, second, first):
        form = _reply_form(page(reader, thread))
        assert f'action="/echanges/sujet/{thread.pk}/repondre/#repondre"' in form
        assert f"?sujet={thread.pk}" in form
    assert fragments.cached_count("forum-reply-form") == 2
    html = reader.get(url(first), {"citer": quoted.pk}).content.decode()
    assert "&gt; " in _reply_form(html)  # the quote, Markdown-quoted, in the textarea
    assert "&gt; " not in _reply_form(page(reader, first))
    # Each reader's own CSRF token in the cached form.
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _reply_form(page(client, first))).group(1)
              for client in (reader, other)]
    assert tokens[0] != tokens[1]
    response = other.post(f"/echanges/sujet/{first.pk}/repondre/", {"body": "Une réponse envoyée par le formulaire."})
    assert response.status_code == 302


def test_a_submitted_reply_form_with_errors_is_rendered_live(client, member, space):
    thread = make_thread(space=space)
    client.force_login(member)
    page(client, thread)
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": ""})
    form = _reply_form(response.content.decode())
    assert 'class="errorlist' in form or "aria-invalid" in form
