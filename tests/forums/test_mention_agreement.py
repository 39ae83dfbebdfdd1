"""Who is notified of a mention is who the post shows as mentioned: the notifications
(forums.mentions.find_mentions, in services._announce_post) and the markup (render_post) take the places
where a mention may be from the same parse (comcep.core.markdown.mention_sites), docs/forums.md "Mentions"."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comcep.core.markdown import quote_markdown
from comcep.notifications.models import Notification
from forums import services
from forums.mentions import MAX_MENTIONS, find_mentions, render_post
from tests.factories import UserFactory
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db

MENTION_LABEL_RE = re.compile(r'<(?:a|span) class="mention"[^>]*>@([^<]*)</(?:a|span)>')


@pytest.fixture
def awa(db):
    return UserFactory(display_name="Awa Diallo")


@pytest.fixture
def awa_short(db):
    return UserFactory(display_name="Awa")


@pytest.fixture
def jean(db):
    return UserFactory(display_name="Jean Dupont")


def shown(html: str) -> set[str]:
    """The display names (lower case) the post's HTML marks up as mentions."""
    return {label.lower() for label in MENTION_LABEL_RE.findall(html)}


def notified(body: str) -> set[str]:
    return {member.display_name.lower() for member in find_mentions(body)}


NOT_MENTIONS = {
    "backtick fence": "Exemple :\n\n```\n@Jean Dupont\n```",
    "tilde fence": "Exemple :\n\n~~~\n@Jean Dupont\n~~~",
    "long fence": "````md\n```\n@Jean Dupont\n```\n````",
    "indented code": "Exemple :\n\n    @Jean Dupont\n    fin",
    "indented code in a list": "- Exemple :\n\n      @Jean Dupont",
    "fence in a list": "1. Exemple :\n   ~~~\n   @Jean Dupont\n   ~~~",
    "inline code": "Tapez `@Jean Dupont` pour le mentionner",
    "double backtick code": "Tapez ``@Jean Dupont ` `` pour le mentionner",
    "quotation": "> @Jean Dupont disait\n\nD'accord",
    "lazy quotation line": "> Comme disait quelqu'un :\n@Jean Dupont a raison",
    "quotation in a list": "- > @Jean Dupont disait",
    "nested quotation": "> > @Jean Dupont disait",
    "link text": "[@Jean Dupont](https://exemple.fr/)",
    "escaped at sign": "\\@Jean Dupont",
    "glued to a word": "courriel jean@Jean Dupont",
    "emphasis glued to a word": "courriel**@Jean Dupont**",
    "after an escaped emphasis marker": "\\*@Jean Dupont",
}

MENTIONS = {
    "plain": "Merci @Jean Dupont !",
    "lower case": "merci @jean dupont.",
    "start of the post": "@Jean Dupont, une question",
    "list item": "- premier\n- @Jean Dupont",
    "ordered list": "1. @Jean Dupont",
    "emphasis around": "*merci @Jean Dupont* !",
    "inside strong text": "**merci @Jean Dupont**",
    "strong name": "**@Jean Dupont**",
    "strong name after a word": "Merci **@Jean Dupont** !",
    "emphasised name": "_@Jean Dupont_, une question",
    "struck name": "~~@Jean Dupont~~",
    "after a link": "[ce lien](https://exemple.fr/) (@Jean Dupont)",
    "line after a quotation": "> cité\n\n@Jean Dupont, tu en dis quoi ?",
    "after a line break": "Bonjour\n@Jean Dupont",
    "table cell": "| qui |\n|---|\n| @Jean Dupont |",
    "after code": "`code` @Jean Dupont",
    "paragraph after code block": "~~~\ncode\n~~~\n\n@Jean Dupont",
}


@pytest.mark.parametrize("body", NOT_MENTIONS.values(), ids=NOT_MENTIONS.keys())
def test_a_name_the_post_does_not_show_as_a_mention_notifies_nobody(jean, body):
    assert shown(render_post(body)) == set()
    assert notified(body) == set()


@pytest.mark.parametrize("body", MENTIONS.values(), ids=MENTIONS.keys())
def test_a_mention_shown_in_the_post_notifies_the_member(jean, body):
    assert shown(render_post(body)) == {"jean dupont"}
    assert notified(body) == {"jean dupont"}


def test_the_reply_notifies_exactly_the_members_it_shows(awa, jean, member, space,
                                                         django_capture_on_commit_callbacks):
    thread = make_thread(space=space, author=member)
    body = ("Pour @Awa Diallo :\n\n~~~\n@Jean Dupont\n~~~\n\n    @Jean Dupont\n\n"
            "> une citation\n@Jean Dupont en continuation")
    with django_capture_on_commit_callbacks(execute=True):
        post = services.add_reply(thread=thread, author=member, body=body)
    assert shown(post.html) == {"awa diallo"}
    assert set(Notification.objects.filter(kind="mention").values_list("recipient", flat=True)) == {awa.pk}


def test_quoting_a_post_does_not_notify_its_mentions_again(awa, jean, member, space,
                                                           django_capture_on_commit_callbacks):
    thread = make_thread(space=space, author=member)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.add_reply(thread=thread, author=member,
                                   body="Une liste :\n- @Jean Dupont\n- **important** pour @Awa Diallo\nfin")
    assert shown(first.html) == {"jean dupont", "awa diallo"}
    assert Notification.objects.filter(kind="mention").count() == 2
    replier = UserFactory(display_name="Chloé Robin")
    body = quote_markdown(first.body, member.public_name) + "Je suis d'accord."
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.add_reply(thread=thread, author=replier, body=body)
    assert shown(reply.html) == set()
    assert Notification.objects.filter(kind="mention").count() == 2
    assert not Notification.objects.filter(kind="mention", target_id=str(reply.pk)).exists()


def test_an_edit_notifies_only_a_new_mention_the_post_shows(awa, jean, member, space,
                                                            django_capture_on_commit_callbacks):
    thread = make_thread(space=space, author=member)
    with django_capture_on_commit_callbacks(execute=True):
        post = services.add_reply(thread=thread, author=member, body="Bonjour @Awa Diallo")
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(post=post, editor=member, body="Bonjour @Awa Diallo\n\n~~~\n@Jean Dupont\n~~~")
    assert list(Notification.objects.filter(kind="mention").values_list("recipient", flat=True)) == [awa.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(post=post, editor=member, body="Bonjour @Awa Diallo et @Jean Dupont")
    assert sorted(Notification.objects.filter(kind="mention").values_list("recipient", flat=True)) == sorted(
        [awa.pk, jean.pk])  # Awa once: notifications are deduplicated per post


def test_names_in_code_do_not_use_up_the_cap(jean):
    others = [UserFactory(display_name=f"Membre {chr(ord('A') + i)}") for i in range(MAX_MENTIONS)]
    code = "\n".join(f"@{other.display_name}" for other in others)
    body = f"~~~\n{code}\n~~~\n\nEt @Jean Dupont"
    assert notified(body) == shown(render_post(body)) == {"jean dupont"}
    # Shown beyond the cap: neither marked up nor notified.
    body = " ".join(f"@{other.display_name}" for other in others) + " et @Jean Dupont"
    assert len(notified(body)) == MAX_MENTIONS
    assert notified(body) == shown(render_post(body)) and "jean dupont" not in notified(body)


FRAGMENTS = ["@Jean Dupont", "@Awa Diallo", "@Awa", "@jean dupont", "\\@Awa Diallo", "x", " ", "\n", "\n\n",
             "> ", "- ", "1. ", "    ", "```", "~~~", "`", "*", "**", "_", "[", "](https://exemple.fr/)", "(", ")",
             "|", "---", "&amp;", "é", ".", ",", "-", "<b>", "#"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(FRAGMENTS), max_size=25))
def test_any_post_notifies_the_members_it_shows(awa, awa_short, jean, parts):
    body = "".join(parts)
    assert notified(body) == shown(render_post(body))
