"""Who sees what: visitors and pending members see no space; restricted spaces are invisible
to members outside their groups everywhere (lists, pages, actions, autocomplete, notifications)."""

import pytest

from comcep.notifications.models import Notification
from forums import services
from tests.factories import PendingUserFactory
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db


def test_visitor_gets_a_french_explanation_with_login_and_signup_links(client, space):
    make_thread(space=space)
    response = client.get("/echanges/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "réservés aux membres" in html
    assert "/comptes/login/" in html and "/comptes/signup/" in html
    assert space.title not in html


def test_visitor_following_a_thread_link_is_sent_to_login(client, space):
    thread = make_thread(space=space)
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]


def test_pending_member_sees_no_space(client, space):
    thread = make_thread(space=space)
    client.force_login(PendingUserFactory())
    index = client.get("/echanges/").content.decode()
    assert space.title not in index and "pas encore validé" in index
    assert client.get(space.get_absolute_url()).status_code == 403
    assert client.get(thread.get_absolute_url()).status_code == 403


def test_restricted_space_is_invisible_to_members_outside_its_groups(client, member, insider, private_space):
    thread = make_thread(space=private_space, author=insider, title="Entre collègues d'Occitanie")
    post = thread.posts.get()
    client.force_login(member)
    assert private_space.title not in client.get("/echanges/").content.decode()
    assert client.get(private_space.get_absolute_url()).status_code == 404
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert client.get(f"/echanges/{private_space.slug}/poser-une-question/").status_code == 404
    assert client.get(post.get_absolute_url()).status_code == 404
    for action in ("merci", "resolu", "signaler"):
        assert client.post(f"/echanges/message/{post.pk}/{action}/").status_code == 404
    assert client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "Je m'invite"}).status_code == 404
    assert client.post(f"/echanges/sujet/{thread.pk}/suivre/").status_code == 404
    assert client.post(f"/echanges/{private_space.slug}/suivre/").status_code == 404
    assert client.get("/echanges/mentions/", {"q": "In", "sujet": thread.pk}).status_code == 404
    assert thread.posts.count() == 1


def test_group_members_and_moderators_see_the_restricted_space(client, insider, moderator, private_space):
    thread = make_thread(space=private_space, author=insider, title="Entre collègues d'Occitanie")
    for user in (insider, moderator):
        client.force_login(user)
        assert private_space.title in client.get("/echanges/").content.decode()
        assert client.get(thread.get_absolute_url()).status_code == 200


def test_outsiders_are_never_notified_of_a_restricted_thread(member, insider, private_space, region_group,
                                                            django_capture_on_commit_callbacks):
    from tests.factories import UserFactory

    colleague = UserFactory(display_name="Paul Occitan")
    colleague.groups.add(region_group)
    thread = make_thread(space=private_space, author=insider, title="Entre collègues d'Occitanie")
    # The outsider followed the thread while... it cannot happen through the UI; force it.
    services.follow(member, thread=thread)
    services.follow(colleague, thread=thread)
    services.follow(member, space=private_space)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_reply(thread=thread, author=insider, body=f"Relance @{member.display_name} et @Paul Occitan")
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert colleague.pk in recipients
    assert member.pk not in recipients


def test_mention_autocomplete_lists_only_readers_of_the_thread(client, member, insider, private_space):
    thread = make_thread(space=private_space, author=insider)
    client.force_login(insider)
    names = [r["name"] for r in client.get("/echanges/mentions/", {"q": "Conseiller", "sujet": thread.pk}).json()[
        "results"]]
    assert member.display_name not in names
    names = [r["name"] for r in client.get("/echanges/mentions/", {"q": "Conseiller"}).json()["results"]]
    assert member.display_name in names
    assert "@" not in str(client.get("/echanges/mentions/", {"q": "C"}).json())  # no e-mail addresses


def test_mention_autocomplete_refuses_visitors_and_pending(client):
    assert client.get("/echanges/mentions/", {"q": "a"}).status_code == 403
    client.force_login(PendingUserFactory())
    assert client.get("/echanges/mentions/", {"q": "a"}).status_code == 403


def test_hidden_thread_is_visible_only_to_moderators(client, member, moderator, space):
    thread = make_thread(space=space)
    services.hide_thread(thread=thread, moderator=moderator, reason="Hors charte")
    client.force_login(member)
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert thread.title not in client.get(space.get_absolute_url()).content.decode()
    client.force_login(moderator)
    assert client.get(thread.get_absolute_url()).status_code == 200


def test_hidden_post_shows_a_placeholder_to_members(client, member, moderator, space):
    thread = make_thread(space=space, replies=1)
    reply = thread.posts.last()
    services.hide_post(post=reply, moderator=moderator, reason="Données personnelles")
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "Réponse numéro 1" not in html
    assert "masqué par l'équipe d'animation" in html
    client.force_login(moderator)
    assert "Réponse numéro 1" in client.get(thread.get_absolute_url()).content.decode()


def test_moderator_buttons_are_not_shown_to_members(client, member, moderator, space):
    thread = make_thread(space=space, replies=1)
    client.force_login(member)
    assert "Modération du sujet" not in client.get(thread.get_absolute_url()).content.decode()
    assert client.post(f"/echanges/sujet/{thread.pk}/moderer/", {"action": "verrouiller"}).status_code == 403
    post = thread.posts.last()
    assert client.post(f"/echanges/message/{post.pk}/masquer/", {"reason": "x"}).status_code == 403
    assert client.post(f"/echanges/message/{post.pk}/certifier/").status_code == 403
    client.force_login(moderator)
    assert "Modération du sujet" in client.get(thread.get_absolute_url()).content.decode()


def test_archived_space_refuses_new_threads_from_members(client, member, space):
    space.is_archived = True
    space.save()
    client.force_login(member)
    assert client.get(f"/echanges/{space.slug}/poser-une-question/").status_code == 403


def test_mention_suggestions_for_an_unknown_or_hidden_thread_answer_json_404(client, member, private_space, insider):
    from tests.factories.forums import make_thread

    hidden_from_member = make_thread(space=private_space, author=insider)
    client.force_login(member)
    for sujet in ("0", "999999", str(hidden_from_member.pk)):
        response = client.get("/echanges/mentions/", {"sujet": sujet, "q": "In"})
        assert response.status_code == 404
        assert response.json() == {"results": []}
