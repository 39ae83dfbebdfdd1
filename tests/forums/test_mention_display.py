"""@mentions shown as mentions: marked up when a post is written or edited (forums.mentions.render_post),
a link to the member's directory profile when it is listed, never a query more when a thread is read."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from comcep.accounts.services import delete_account
from comcep.core.markdown import render_markdown, sanitize_html
from comcep.directory.models import DirectoryProfile
from comcep.notifications.models import Notification
from forums import services
from forums.mentions import find_mentions, render_post
from forums.search import ThreadIndexer
from tests.factories import PendingUserFactory, UserFactory
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db

MENTION_RE = re.compile(r'<(a|span) class="mention"[^>]*>[^<]*</\1>')


@pytest.fixture
def awa(db):
    user = UserFactory(display_name="Awa Diallo")
    DirectoryProfile.objects.create(user=user, listed=True)
    return user


def link(user, text="@Awa Diallo"):
    return f'<a class="mention" href="/annuaire/{user.pk}/" rel="nofollow ugc noopener">{text}</a>'


def test_a_mention_of_a_listed_member_links_to_their_directory_profile(awa):
    html = render_post("Merci @Awa Diallo, et toi @awa diallo ?")
    assert html == f"<p>Merci {link(awa)}, et toi {link(awa, '@awa diallo')} ?</p>\n"


def test_a_member_without_a_listed_profile_is_a_mention_without_link(db):
    unlisted = UserFactory(display_name="Paul Martin")
    DirectoryProfile.objects.create(user=unlisted, listed=False)
    UserFactory(display_name="Lina Roux")  # no profile at all
    html = render_post("@Paul Martin et @Lina Roux")
    assert html == '<p><span class="mention">@Paul Martin</span> et <span class="mention">@Lina Roux</span></p>\n'


def test_the_longest_display_name_wins_as_for_notifications(awa):
    short = UserFactory(display_name="Awa")
    html = render_post("@Awa Diallo puis @Awa.")
    assert html == f'<p>{link(awa)} puis <span class="mention">@Awa</span>.</p>\n'
    assert {u.pk for u in find_mentions("@Awa Diallo puis @Awa.")} == {awa.pk, short.pk}


def test_what_is_no_mention_stays_plain_text(awa):
    PendingUserFactory(display_name="Jean Attente")
    gone = UserFactory(display_name="Ancien Membre", deleted_at=timezone.now())
    DirectoryProfile.objects.create(user=gone, listed=True)
    body = ("@Personne Inconnue, @Jean Attente, @Ancien Membre, écrivez à awa@Awa.fr ou a@b.fr ; "
            "@Awa-Marie et @Awa_Diallo2 ne sont pas Awa ; sans arobase : Awa Diallo")
    html = render_post(body)
    assert "mention" not in html
    assert html == render_markdown(body)


def test_code_links_and_quotations_are_left_as_they_are(awa):
    body = ("> **Awa** : @Awa Diallo disait\n\n"
            "`@Awa Diallo` en code, [@Awa Diallo](https://exemple.fr/) en lien\n\n"
            "```\n@Awa Diallo\n```\n\n"
            "Mais ici @Awa Diallo")
    html = render_post(body)
    assert html.count('class="mention"') == 1 and html.endswith(f"<p>Mais ici {link(awa)}</p>\n")
    assert "<code>@Awa Diallo</code>" in html and "<p><strong>Awa</strong> : @Awa Diallo disait</p>" in html
    # Code, a link's text and quotations: the notification rule too (tests/forums/test_mention_agreement.py).
    assert find_mentions(body) == [awa]
    assert find_mentions(body.replace("Mais ici @Awa Diallo", "")) == []


def test_an_escaped_at_sign_or_one_glued_to_a_word_is_no_mention(awa):
    # Marked up only where find_mentions sees a mention (here Awa is mentioned once, at the end).
    html = render_post("\\@Awa Diallo, x@Awa Diallo, **Awa**@Awa Diallo et enfin (@Awa Diallo)")
    assert html == f"<p>@Awa Diallo, x@Awa Diallo, <strong>Awa</strong>@Awa Diallo et enfin ({link(awa)})</p>\n"


def test_a_mention_in_a_list_a_table_and_after_a_line_break(awa):
    html = render_post("- @Awa Diallo\n\n| qui |\n|---|\n| @Awa Diallo |\n\nBonjour\n@Awa Diallo")
    assert html.count(link(awa)) == 3


def test_typed_mention_markup_is_text_and_markdown_cannot_forge_one(awa):
    forged = ('<a class="mention" href="/annuaire/999/">Quelqu’un</a> '
              '<span class="mention">Personne</span> '
              '[Awa Diallo](/annuaire/999/ "mention") [@Awa Diallo](/annuaire/999/) '
              '<a href="/annuaire/999/" class="mention" onclick="x()">X</a>')
    html = render_post(forged)
    assert MENTION_RE.search(html) is None and '<a class="mention"' not in html and "<span" not in html
    assert html.count('&lt;a class="mention" href="/annuaire/999/"&gt;') == 1  # shown as the text typed
    assert '<a href="/annuaire/999/" title="mention" rel="nofollow ugc noopener">Awa Diallo</a>' in html
    assert '<a href="/annuaire/999/" rel="nofollow ugc noopener">@Awa Diallo</a>' in html  # the author's own link
    # A real name typed inside forged markup is a genuine mention, with the member's own address.
    html = render_post('<a class="mention" href="/annuaire/999/">@Awa Diallo</a>')
    assert html == f'<p>&lt;a class="mention" href="/annuaire/999/"&gt;{link(awa)}&lt;/a&gt;</p>\n'


def test_the_sanitizer_keeps_exactly_the_mention_markup():
    raw = ('<a class="mention" href="/annuaire/4/">@A</a><span class="mention">@B</span>'
           '<a class="mention x" href="/annuaire/4/">@C</a><span class="other" style="color:red">@D</span>'
           '<a class="mention" href="javascript:alert(1)" onclick="x()">@E</a><span data-user="4">@F</span>')
    # Outside render_markdown's mentions mode (any other caller): no span, no class on links.
    assert sanitize_html(raw) == ('<a href="/annuaire/4/" rel="nofollow ugc noopener">@A</a>@B'
                                  '<a href="/annuaire/4/" rel="nofollow ugc noopener">@C</a>@D'
                                  '<a rel="nofollow ugc noopener">@E</a>@F')
    # In that mode: class="mention" and nothing else.
    assert sanitize_html(raw, mentions=True) == (
        '<a class="mention" href="/annuaire/4/" rel="nofollow ugc noopener">@A</a><span class="mention">@B</span>'
        '<a rel="nofollow ugc noopener" href="/annuaire/4/">@C</a><span>@D</span>'
        '<a class="mention" rel="nofollow ugc noopener">@E</a><span>@F</span>')


def test_no_query_without_at_sign_and_one_with(awa, django_assert_num_queries):
    with django_assert_num_queries(0):
        render_post("Bonjour à tous, **merci** pour [ce lien](https://exemple.fr/).")
    with django_assert_num_queries(0):
        render_post("Un @ seul, et `code` @ ici")  # an "@" but no name after it: no query either
    with django_assert_num_queries(1):
        render_post("Merci @Awa Diallo")


def _reply_queries(thread, author, body):
    with CaptureQueriesContext(connection) as captured:
        services.add_reply(thread=thread, author=author, body=body)
    return [q["sql"] for q in captured.captured_queries]


def test_a_reply_with_a_mention_costs_one_query_more_and_none_without(awa, member, space):
    thread = make_thread(space=space, author=member)
    replier = UserFactory()
    services.add_reply(thread=thread, author=replier, body="Première réponse, pour que la suite soit la même.")
    plain = _reply_queries(thread, replier, "Une réponse sans nom de membre.")
    mentioning = _reply_queries(thread, replier, "Une réponse pour @Awa Diallo.")
    assert len(mentioning) == len(plain) + 1
    assert not any("directory_directoryprofile" in sql for sql in plain)
    # The mention link is neither a cited page (no page lookup) nor a link counted for the review.
    assert not any("wagtailcore_page" in sql or "wagtailcore_site" in sql for sql in mentioning)


@override_settings(FORUMS_MAX_LINKS_BEFORE_REVIEW=1)
def test_mentions_do_not_count_as_links_for_the_review(awa, member, space):
    others = [UserFactory(display_name=f"Membre Numéro {i}") for i in range(3)]
    for other in others:
        DirectoryProfile.objects.create(user=other, listed=True)
    thread = make_thread(space=space, author=member)
    post = services.add_reply(thread=thread, author=UserFactory(),
                              body="@Awa Diallo @Membre Numéro 0 @Membre Numéro 1 @Membre Numéro 2 voir https://a.fr")
    assert post.html.count('class="mention"') == 4 and not post.needs_approval
    assert list(thread.cited_pages.all()) == []


def test_edit_renders_the_mentions_again(awa, member, space):
    thread = make_thread(space=space, author=member, body="Bonjour à tous")
    post = thread.posts.get()
    assert "mention" not in post.html
    services.edit_post(post=post, editor=member, body="Bonjour @Awa Diallo")
    post.refresh_from_db()
    assert post.html == f"<p>Bonjour {link(awa)}</p>\n"
    services.edit_post(post=post, editor=member, body="Bonjour `@Awa Diallo`")
    post.refresh_from_db()
    assert "mention" not in post.html


def test_a_new_thread_marks_its_mentions(awa, member, space):
    thread = make_thread(space=space, author=member, body="Une question pour @Awa Diallo")
    assert link(awa) in thread.posts.get().html


def test_excerpt_email_and_search_text_show_the_mention_as_text(awa, member, space,
                                                                django_capture_on_commit_callbacks):
    thread = make_thread(space=space, author=member)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_reply(thread=thread, author=member, body="Qu'en penses-tu @Awa Diallo ? Merci !")
    note = Notification.objects.get(recipient=awa, kind="mention")
    assert note.excerpt == "Qu'en penses-tu @Awa Diallo ? Merci !"
    (message,) = [m for m in mail.outbox if m.to == [awa.email]]  # "mention" e-mails leave at once by default
    assert "Qu'en penses-tu @Awa Diallo ? Merci !" in message.body and "<a " not in message.body
    for html, _type in getattr(message, "alternatives", []):
        assert 'class="mention"' not in html and "@Awa Diallo" in html
    entry = ThreadIndexer().entry(thread)
    assert "Qu'en penses-tu @Awa Diallo ? Merci !" in entry.body


def test_thread_page_queries_do_not_depend_on_mentions(client, awa, member, space, django_assert_max_num_queries):
    replier = UserFactory()
    plain = make_thread(space=space, author=replier, title="Sujet sans mention", body="Bonjour à tous.")
    mentioning = make_thread(space=space, author=replier, title="Sujet avec mentions", body="Bonjour @Awa Diallo.")
    for i in range(5):
        services.add_reply(thread=plain, author=UserFactory(), body=f"Réponse {i} sans nom.")
        services.add_reply(thread=mentioning, author=UserFactory(),
                           body=f"Réponse {i} pour @Awa Diallo et @{member.display_name}.")
    client.force_login(member)
    counts = []
    for thread in (plain, mentioning):
        client.get(thread.get_absolute_url())  # the first visit writes the read marker
        with django_assert_max_num_queries(20) as captured:
            response = client.get(thread.get_absolute_url())
        assert response.status_code == 200
        counts.append(len(captured))
    assert response.content.decode().count(link(awa)) == 6
    assert counts[0] == counts[1], counts


def test_reply_through_the_site_shows_a_link_to_the_profile(client, awa, member, space):
    thread = make_thread(space=space, author=UserFactory())
    client.force_login(member)
    response = client.post(f"/echanges/sujet/{thread.pk}/repondre/", {"body": "Je transmets à @Awa Diallo."},
                           follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"<p>Je transmets à {link(awa)}.</p>" in page
    assert 'href="/static/css/forums.css"' in page or "css/forums." in page  # the mention's style is loaded
    profile = client.get(f"/annuaire/{awa.pk}/")
    assert profile.status_code == 200 and "Awa Diallo" in profile.content.decode()
    # The preview shows what will be stored.
    preview = client.post("/echanges/apercu/", {"body": "Pour @Awa Diallo"}).json()["html"]
    assert preview == f"<p>Pour {link(awa)}</p>\n"


def test_deleting_the_account_unlinks_the_old_mentions(awa, member, space):
    thread = make_thread(space=space, author=member, body="Pour @Awa Diallo et pour **toi**")
    post = services.add_reply(thread=thread, author=member, body="Encore @Awa Diallo, `code` et [lien](https://a.fr)")
    untouched = services.add_reply(thread=thread, author=member, body="Sans mention")
    delete_account(awa)
    first, second = thread.posts.order_by("pk")[:2]
    assert first.html == "<p>Pour @Awa Diallo et pour <strong>toi</strong></p>\n"
    assert second.pk == post.pk
    assert second.html == ('<p>Encore @Awa Diallo, <code>code</code> et '
                           '<a href="https://a.fr" rel="nofollow ugc noopener">lien</a></p>\n')
    # What a new rendering gives: a deleted member is no mention.
    assert second.html == render_post(second.body)
    untouched.refresh_from_db()
    assert untouched.html == "<p>Sans mention</p>\n"
