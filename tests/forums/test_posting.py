"""Posting: threads, replies, counters, approval of new members, limits, edits, reactions, answers."""

import html
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from comcep.core.markdown import quote_markdown
from comcep.notifications.models import Notification
from forums import services
from forums.enums import ModerationAction
from forums.models import ModerationLog, Post, PostRevision, ReadMarker, Space, Subscription, Thread
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread

pytestmark = pytest.mark.django_db


def assert_counters_match_rows(*spaces):
    for space in spaces:
        space = Space.objects.get(pk=space.pk)
        counted = Thread.objects.filter(space=space, is_hidden=False, needs_approval=False)
        public = Post.objects.public().filter(thread__in=counted)
        assert space.thread_count == counted.count()
        assert space.post_count == public.count()
        last = public.order_by("-created_at", "-pk").first()
        assert space.last_post_id == (last.pk if last else None)
        for thread in Thread.objects.filter(space=space):
            rows = Post.objects.public().filter(thread=thread)
            assert thread.post_count == rows.count(), thread
            last = rows.order_by("-created_at", "-pk").first()
            assert thread.last_post_id == (last.pk if last else None)


def test_member_asks_a_question_through_the_form(client, member, space):
    client.force_login(member)
    response = client.post(f"/echanges/{space.slug}/poser-une-question/",
                           {"title": "Recevabilité VAE : quels délais ?", "body": "Bonjour, **quels délais** ?"})
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    assert thread.post_count == 1 and thread.author == member
    assert Subscription.objects.filter(user=member, thread=thread).exists()
    assert ReadMarker.objects.filter(user=member, thread=thread).exists()
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "<strong>quels délais</strong>" in html
    assert_counters_match_rows(space)


def test_reply_updates_counters_and_notifies_followers(client, member, other_member, space,
                                                       django_capture_on_commit_callbacks):
    thread = make_thread(space=space, author=member)
    client.force_login(other_member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "Comptez deux mois."})
    assert response.status_code == 302
    post = Post.objects.latest("pk")
    assert response["Location"].endswith(f"#message-{post.pk}")
    thread.refresh_from_db()
    assert thread.post_count == 2 and thread.last_post == post
    notification = Notification.objects.get(recipient=member)
    assert notification.kind == "reply" and "Bruno Martin" in notification.title
    assert not Notification.objects.filter(recipient=other_member).exists()
    assert_counters_match_rows(space)


def test_a_quoting_reply_is_notified_with_its_own_words(client, member, other_member, space,
                                                       django_capture_on_commit_callbacks):
    """The followers' notification (and its e-mail) shows what the reply says, not the quotation it starts with."""
    thread = make_thread(space=space, author=member)
    first = thread.posts.first()
    client.force_login(other_member)
    form = client.get(thread.get_absolute_url(), {"citer": first.pk}).content.decode()
    body = quote_markdown(first.body, member.public_name) + "Comptez plutôt trois mois en Bretagne."
    assert html.escape(quote_markdown(first.body, member.public_name).strip()) in form  # what "Citer" prefills
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": body}).status_code == 302
    assert Notification.objects.get(recipient=member).excerpt == "Comptez plutôt trois mois en Bretagne."
    # A reply that only quotes still has an excerpt: the quotation.
    with django_capture_on_commit_callbacks(execute=True):
        services.add_reply(thread=thread, author=UserFactory(), body=f"> {first.body}")
    excerpts = list(Notification.objects.filter(recipient=member).order_by("pk").values_list("excerpt", flat=True))
    assert len(excerpts) == 2 and excerpts[1] and excerpts[1] in first.body


def test_new_thread_notifies_space_followers(member, other_member, space, django_capture_on_commit_callbacks):
    services.follow(other_member, space=space)
    with django_capture_on_commit_callbacks(execute=True):
        make_thread(space=space, author=member, title="Un nouveau sujet CPF")
    assert Notification.objects.get(recipient=other_member).kind == "new_thread"


def test_mention_notifies_the_member_once(member, other_member, space, django_capture_on_commit_callbacks):
    thread = make_thread(space=space, author=member)
    services.follow(other_member, thread=thread)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_reply(thread=thread, author=member, body="Qu'en penses-tu @Bruno Martin ? Et @Personne Inconnue")
    notes = list(Notification.objects.filter(recipient=other_member))
    assert [n.kind for n in notes] == ["mention"]


def test_mentions_parsing_prefers_the_longest_display_name(db):
    from forums.mentions import find_mentions

    awa = UserFactory(display_name="Awa")
    awa_d = UserFactory(display_name="Awa Diallo")
    assert find_mentions("Merci @Awa Diallo !") == [awa_d]
    assert find_mentions("Merci @awa, et `@Awa Diallo` en code") == [awa]
    assert find_mentions("> @Awa Diallo disait\n\nrien") == []
    assert find_mentions("courriel a@Awa.fr") == []


@override_settings(FORUMS_NEW_MEMBER_DAYS=3)
def test_new_members_posts_wait_for_approval(client, moderator, space, django_capture_on_commit_callbacks):
    newcomer = UserFactory(date_joined=timezone.now() - timedelta(days=1))
    veteran = UserFactory(date_joined=timezone.now() - timedelta(days=30))
    thread = make_thread(space=space, author=veteran)
    services.follow(veteran, thread=thread)
    with django_capture_on_commit_callbacks(execute=True):
        post = services.add_reply(thread=thread, author=newcomer, body="Ma première réponse")
    assert post.needs_approval
    thread.refresh_from_db()
    assert thread.post_count == 1
    assert not Notification.objects.filter(recipient=veteran).exists()
    client.force_login(veteran)
    assert "Ma première réponse" not in client.get(thread.get_absolute_url()).content.decode()
    client.force_login(newcomer)
    assert "Ma première réponse" in client.get(thread.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_post(post=post, moderator=moderator, reason="")
    thread.refresh_from_db()
    assert thread.post_count == 2
    assert Notification.objects.filter(recipient=veteran, kind="reply").exists()
    assert Notification.objects.filter(recipient=newcomer, kind="moderation").exists()
    assert ModerationLog.objects.filter(action=ModerationAction.APPROVE_POST, post=post).exists()
    assert_counters_match_rows(space)


@override_settings(FORUMS_NEW_MEMBER_DAYS=3)
def test_new_members_thread_is_invisible_until_approved(client, member, moderator, space):
    newcomer = UserFactory(date_joined=timezone.now())
    thread = make_thread(space=space, author=newcomer, title="Question d'un nouveau membre")
    assert thread.needs_approval
    client.force_login(member)
    assert client.get(thread.get_absolute_url()).status_code == 404
    space.refresh_from_db()
    assert space.thread_count == 0
    services.reject_post(post=thread.posts.get(), moderator=moderator, reason="Doublon")
    thread.refresh_from_db()
    assert thread.is_hidden and not thread.needs_approval
    assert ModerationLog.objects.filter(action=ModerationAction.REJECT_POST, reason="Doublon").exists()
    assert_counters_match_rows(space)


@override_settings(FORUMS_NEW_MEMBER_DAYS=0)
def test_setting_zero_disables_the_new_member_review(space):
    post = make_thread(space=space, author=UserFactory(date_joined=timezone.now())).posts.get()
    assert not post.needs_approval


@override_settings(FORUMS_MAX_LINKS_BEFORE_REVIEW=3)
def test_posts_with_many_links_wait_for_approval(member, space):
    thread = make_thread(space=space)
    links = " ".join(f"https://exemple{i}.fr" for i in range(4))
    assert services.add_reply(thread=thread, author=member, body=links).needs_approval
    assert not services.add_reply(thread=thread, author=member, body="https://a.fr https://b.fr").needs_approval


@override_settings(FORUMS_POST_RATE="2/10m")
def test_rate_limit_gives_a_french_message_and_keeps_the_draft(client, member, space):
    thread = make_thread(space=space)
    client.force_login(member)
    for i in range(2):
        assert client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": f"Réponse {i}"}).status_code == 302
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "Mon brouillon précieux"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "attendez quelques minutes" in html
    assert "Mon brouillon précieux</textarea>" in html
    assert thread.posts.count() == 3


@override_settings(FORUMS_POST_RATE="1/10m")
def test_rate_limit_on_new_threads_keeps_title_and_body(client, member, space):
    client.force_login(member)
    client.post(f"/echanges/{space.slug}/poser-une-question/", {"title": "Première question", "body": "Texte"})
    response = client.post(f"/echanges/{space.slug}/poser-une-question/",
                           {"title": "Deuxième question", "body": "Texte à garder"})
    html = response.content.decode()
    assert response.status_code == 400 and "attendez quelques minutes" in html
    assert 'value="Deuxième question"' in html and "Texte à garder</textarea>" in html


@override_settings(COMCEP_POST_MAX_LENGTH=100)
def test_post_size_limit(client, member, space):
    thread = make_thread(space=space)
    client.force_login(member)
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "x" * 101})
    assert response.status_code == 400
    assert "trop long" in response.content.decode()
    with pytest.raises(ValidationError):
        services.add_reply(thread=thread, author=member, body="y" * 101)
    assert thread.posts.count() == 1


def test_preview_without_javascript_rerenders_the_form(client, member, space):
    thread = make_thread(space=space)
    client.force_login(member)
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "*essai*", "apercu": "1"})
    html = response.content.decode()
    assert response.status_code == 200 and "<em>essai</em>" in html and "*essai*</textarea>" in html
    assert thread.posts.count() == 1
    assert client.post("/echanges/apercu/", {"body": "**ok**"}).json()["html"] == "<p><strong>ok</strong></p>\n"


def test_quote_link_prefills_the_reply(client, member, other_member, space):
    thread = make_thread(space=space, author=other_member, body="Il faut 1 an d'expérience.")
    client.force_login(member)
    html = client.get(thread.get_absolute_url(), {"citer": thread.posts.get().pk}).content.decode()
    assert "&gt; **Bruno Martin** :" in html and "&gt; Il faut 1 an d&#x27;expérience." in html


def test_quoting_a_post_of_page_two_stays_on_page_two(client, member, other_member, space):
    thread = make_thread(space=space, replies=22, repliers=[other_member])
    quoted = thread.posts.order_by("created_at", "pk")[21]  # the 22nd post: page 2 (20 posts a page)
    client.force_login(member)
    html = client.get(thread.get_absolute_url(), {"page": 2}).content.decode()
    link = f'href="?page=2&amp;citer={quoted.pk}#repondre"'
    assert link in html
    html = client.get(thread.get_absolute_url(), {"page": 2, "citer": quoted.pk}).content.decode()
    assert f'id="message-{quoted.pk}"' in html  # the page the reader was on
    assert "&gt; Réponse numéro 21." in html  # and the quotation in the reply box
    first_page = client.get(thread.get_absolute_url()).content.decode()
    assert f'href="?citer={thread.posts.order_by("created_at", "pk")[1].pk}#repondre"' in first_page


def test_edit_keeps_a_revision_and_shows_modifie(client, member, moderator, space):
    thread = make_thread(space=space, author=member, body="Version 1")
    post = thread.posts.get()
    client.force_login(member)
    assert client.post(f"/echanges/message/{post.pk}/modifier/", {"body": "Version 2"}).status_code == 302
    post.refresh_from_db()
    assert post.body == "Version 2" and post.edited_at
    assert PostRevision.objects.get(post=post).body == "Version 1"
    assert "modifié" in client.get(thread.get_absolute_url()).content.decode()
    assert client.get(f"/echanges/message/{post.pk}/historique/").status_code == 403
    client.force_login(moderator)
    assert "Version 1" in client.get(f"/echanges/message/{post.pk}/historique/").content.decode()


def test_a_reply_preview_or_error_without_javascript_comes_back_at_the_reply_form(client, member, space):
    """The reply form is at the bottom of a page of 20 posts: its action names its section, so the
    browser shows the preview or the error there (a success redirects to the post's own anchor)."""
    thread = make_thread(space=space, replies=3)
    client.force_login(member)
    action = f'action="/echanges/sujet/{thread.pk}/repondre/#repondre"'
    assert action in client.get(thread.get_absolute_url()).content.decode()
    preview = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "Mon **brouillon**", "apercu": "1"})
    html = preview.content.decode()
    assert action in html and 'id="repondre"' in html and "<strong>brouillon</strong>" in html
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "Ma réponse."})
    assert response["Location"].endswith(f"#message-{thread.posts.latest('pk').pk}")


@pytest.mark.parametrize("data", [{"body": "Version 2", "apercu": "1"}, {"body": " "}], ids=["preview", "error"])
def test_the_edit_form_keeps_its_label_after_a_preview_or_an_error(client, member, space, data):
    post = make_thread(space=space, author=member, body="Version 1").posts.get()
    client.force_login(member)
    label = '<label for="id_body">Message\xa0:</label>'
    assert label in client.get(f"/echanges/message/{post.pk}/modifier/").content.decode()
    page = client.post(f"/echanges/message/{post.pk}/modifier/", data).content.decode()
    assert label in page and "Votre réponse" not in page


def test_members_cannot_edit_or_delete_others_posts(client, member, other_member, space):
    post = make_thread(space=space, author=other_member).posts.get()
    client.force_login(member)
    assert client.post(f"/echanges/message/{post.pk}/modifier/", {"body": "pirate"}).status_code == 403
    assert client.post(f"/echanges/message/{post.pk}/supprimer/").status_code == 403


def test_soft_delete_keeps_the_thread_and_counters_exact(client, member, space):
    thread = make_thread(space=space, replies=2, repliers=[member])
    last = thread.posts.last()
    client.force_login(member)
    assert client.post(f"/echanges/message/{last.pk}/supprimer/").status_code == 302
    last.refresh_from_db()
    assert last.is_deleted
    thread.refresh_from_db()
    assert thread.post_count == 2
    assert "Ce message a été supprimé." in client.get(thread.get_absolute_url()).content.decode()
    assert_counters_match_rows(space)


def test_reaction_toggles_and_counts_once_per_member(client, member, other_member, space):
    post = make_thread(space=space, author=other_member).posts.get()
    client.force_login(member)
    client.post(f"/echanges/message/{post.pk}/merci/")
    post.refresh_from_db()
    assert post.useful_count == 1
    client.post(f"/echanges/message/{post.pk}/merci/")
    post.refresh_from_db()
    assert post.useful_count == 0
    with pytest.raises(PermissionDenied):
        services.react(post=post, user=other_member)


def test_thread_author_marks_the_solution(client, member, other_member, space, django_capture_on_commit_callbacks):
    thread = make_thread(space=space, author=member, replies=1, repliers=[other_member])
    answer = thread.posts.last()
    client.force_login(other_member)
    assert client.post(f"/echanges/message/{answer.pk}/resolu/").status_code == 403
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/echanges/message/{answer.pk}/resolu/").status_code == 302
    thread.refresh_from_db()
    assert thread.solved_post == answer
    assert Notification.objects.filter(recipient=other_member, kind="solved").exists()
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "la réponse retenue" in html
    assert "Résolu" in client.get(space.get_absolute_url(), {"filtre": "resolus"}).content.decode()


@pytest.mark.parametrize("who", ["author", "moderator"])
def test_the_question_cannot_be_marked_as_its_own_solution(client, member, moderator, other_member, space, who):
    thread = make_thread(space=space, author=member, replies=1, repliers=[other_member])
    question = thread.posts.order_by("created_at", "pk").first()
    client.force_login(member if who == "author" else moderator)

    # The page offers no button for it; a hand-made request is refused, and says why.
    response = client.post(f"/echanges/message/{question.pk}/resolu/")

    assert response.status_code == 400
    assert "La question d’un sujet ne peut pas en être la solution" in html.unescape(
        response.content.decode()).replace("'", "’")
    thread.refresh_from_db()
    assert thread.solved_post is None
    with pytest.raises(ValidationError):
        services.mark_solved(post=question, user=member)


def test_certified_answer_is_highlighted_at_the_top(client, member, moderator, space):
    thread = make_thread(space=space, replies=3)
    answer = thread.posts.order_by("created_at")[2]
    services.certify(post=answer, moderator=moderator)
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    first_post = f'id="message-{thread.posts.first().pk}"'
    assert html.index("Réponse certifiée par l'équipe d'animation") < html.index(first_post)
    assert ModerationLog.objects.filter(action=ModerationAction.CERTIFY_POST, post=answer).exists()


def test_locked_thread_refuses_replies_from_members(client, member, moderator, space):
    thread = make_thread(space=space)
    services.lock_thread(thread=thread, moderator=moderator, reason="Clos")
    client.force_login(member)
    assert "verrouillé" in client.get(thread.get_absolute_url()).content.decode()
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "Encore une chose"})
    assert response.status_code == 400 and "verrouillé" in response.content.decode()
    assert services.add_reply(thread=thread, author=moderator, body="Précision de l'animation")


def test_space_filters(client, member, other_member, space):
    mine = make_thread(space=space, author=member, title="Mon sujet à moi")
    answered = make_thread(space=space, author=other_member, title="Sujet avec réponse", replies=1)
    followed = make_thread(space=space, author=other_member, title="Sujet que je suis")
    services.follow(member, thread=followed)
    client.force_login(member)

    def titles(filtre):
        return client.get(space.get_absolute_url(), {"filtre": filtre}).content.decode()

    assert mine.title in titles("mes-sujets") and answered.title not in titles("mes-sujets")
    assert answered.title not in titles("sans-reponse") and followed.title in titles("sans-reponse")
    assert followed.title in titles("abonnements") and answered.title not in titles("abonnements")


def test_space_lists_pinned_first_and_shows_unread_as_text(client, member, moderator, space):
    old = make_thread(space=space, title="Ancien sujet épinglé")
    new = make_thread(space=space, title="Sujet récent")
    services.pin_thread(thread=old, moderator=moderator)
    client.force_login(member)
    html = client.get(space.get_absolute_url()).content.decode()
    assert html.index(old.title) < html.index(new.title)
    assert "Non lu" in html
    client.get(new.get_absolute_url())
    client.get(old.get_absolute_url())
    assert "Non lu" not in client.get(space.get_absolute_url()).content.decode()


def test_jump_to_first_unread_post(client, member, other_member, space):
    thread = make_thread(space=space, author=member, replies=25, repliers=[other_member])
    posts = list(thread.posts.order_by("created_at", "pk"))
    services.mark_read(member, thread, posts[21])
    client.force_login(member)
    response = client.get(thread.get_absolute_url(), {"non-lu": ""})
    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}?page=2#message-{posts[22].pk}"


def test_old_thread_url_redirects_after_a_move(client, member, moderator, space):
    thread = make_thread(space=space)
    old_url = thread.get_absolute_url()
    other = SpaceFactory(slug="cpf", title="CPF")
    services.move_thread(thread=thread, space=other, moderator=moderator, reason="Mieux rangé")
    client.force_login(member)
    response = client.get(old_url)
    assert response.status_code == 302 and response["Location"] == f"/echanges/cpf/{thread.pk}-{thread.slug}/"


def test_subscribe_and_unsubscribe_thread_and_space(client, member, space):
    thread = make_thread(space=space)
    client.force_login(member)
    client.post(f"/echanges/sujet/{thread.pk}/suivre/")
    client.post(f"/echanges/{space.slug}/suivre/")
    assert Subscription.objects.filter(user=member).count() == 2
    client.post(f"/echanges/sujet/{thread.pk}/suivre/", {"action": "ne-plus-suivre"})
    client.post(f"/echanges/{space.slug}/suivre/", {"action": "ne-plus-suivre"})
    assert not Subscription.objects.filter(user=member).exists()


def test_flag_is_recorded_once_per_reporter(client, member, other_member, space):
    post = make_thread(space=space, author=other_member).posts.get()
    client.force_login(member)
    assert client.get(f"/echanges/message/{post.pk}/signaler/").status_code == 200
    for _ in range(2):
        response = client.post(f"/echanges/message/{post.pk}/signaler/", {"reason": "spam", "comment": "Pub"})
        assert response.status_code == 302
    assert post.flags.count() == 1
    response = client.post(f"/echanges/message/{post.pk}/signaler/", {"reason": "n-importe-quoi"})
    assert response.status_code == 400 and "errorlist" in response.content.decode()


def test_suspended_member_cannot_post(client, member, moderator, space):
    thread = make_thread(space=space)
    services.suspend_member(member=member, moderator=moderator, reason="Propos injurieux",
                            until=timezone.now() + timedelta(days=7))
    client.force_login(member)
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "Je reviens"})
    assert response.status_code == 400 and "suspendu" in response.content.decode()
    services.unsuspend_member(member=member, moderator=moderator, reason="Fin")
    assert services.add_reply(thread=thread, author=member, body="Je reviens")
    actions = list(ModerationLog.objects.values_list("action", flat=True))
    assert ModerationAction.SUSPEND_MEMBER in actions and ModerationAction.UNSUSPEND_MEMBER in actions


@pytest.mark.parametrize("state", ["until a date", "without end", "expired", "lifted", "another member's"])
def test_the_reply_reads_the_members_suspension_with_the_thread(client, member, moderator, space, state):
    """The reply's view reads the member's active sanction in the thread's statement
    (queries.THREAD_FOR_REPLY), not in a query of its own: same refusals and messages."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from forums.models import MemberSanction

    thread = make_thread(space=space)
    now = timezone.now()
    until = {"until a date": now + timedelta(days=7), "expired": now - timedelta(minutes=1)}.get(state)
    MemberSanction.objects.create(user=UserFactory() if state == "another member's" else member, reason="Spam",
                                  created_by=moderator, suspended_until=until,
                                  lifted_at=now if state == "lifted" else None)
    client.force_login(member)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "Je reviens"})
    page = html.unescape(response.content.decode())
    if state == "until a date":
        assert response.status_code == 400
        assert f"suspendu jusqu'au {timezone.localtime(until):%d/%m/%Y %H:%M}" in page
    elif state == "without end":
        assert response.status_code == 400 and "Votre compte est suspendu : vous ne pouvez pas publier." in page
    else:
        assert response.status_code == 302 and Post.objects.filter(thread=thread, author=member).exists()
        # (a refused reply renders the thread page, whose reply box reads the sanction again)
        assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "forums_membersanction"')]


def test_a_certified_solution_is_shown_once_at_the_top(client, member, moderator, space):
    thread = make_thread(space=space, author=member, replies=1)
    answer = thread.posts.last()
    services.mark_solved(post=answer, user=member)
    services.certify(post=answer, moderator=moderator)
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert html.count("Voir la réponse dans la discussion") == 1
    assert "la réponse retenue" in html and "Réponse certifiée par l'équipe d'animation" in html
