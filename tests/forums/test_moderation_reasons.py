"""A moderator's reason is stored as typed or refused next to its input (400, what was typed kept): never cut
to its column's 300 characters without a word."""

import re

import pytest
from django.core.exceptions import ValidationError

from forums import services
from forums.models import Flag, MemberSanction, ModerationLog
from tests.factories import UserFactory
from tests.factories.forums import make_thread

pytestmark = pytest.mark.django_db

LONG = "Motif détaillé " * 20 + "fin"  # 303 characters
assert len(LONG) > 300


def pending_post(space, settings):
    settings.FORUMS_MAX_LINKS_BEFORE_REVIEW = 0
    thread = make_thread(space=space)
    post = services.add_reply(thread=thread, author=thread.author, body="https://exemple.fr")
    assert post.needs_approval
    return post


def assert_refused_next_to(html: str, input_id: str):
    field = re.search(rf'<input[^>]*id="{input_id}"[^>]*>', html).group(0)
    assert f'value="{LONG}"' in field and 'aria-invalid="true"' in field
    assert f'aria-describedby="{input_id}-erreur"' in field
    error = re.search(rf'<ul class="errorlist" id="{input_id}-erreur">(.*?)</ul>', html, re.S).group(1)
    assert "au plus 300 caractères" in error


@pytest.mark.parametrize(("url", "action"), [("/echanges/vae/moderation/", "refuser"),
                                             ("/admin/echanges/moderation/", "reject")])
def test_a_too_long_refusal_reason_is_refused_next_to_its_row(client, moderator, space, settings, url, action):
    post = pending_post(space, settings)
    client.force_login(moderator)
    response = client.post(url, {"action": action, "post": post.pk, "reason": LONG})
    assert response.status_code == 400
    assert_refused_next_to(response.content.decode(), f"motif-p{post.pk}")
    post.refresh_from_db()
    assert post.needs_approval and not post.hidden_reason
    response = client.post(url, {"action": action, "post": post.pk, "reason": LONG[:300]})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.hidden_reason == LONG[:300].strip()


@pytest.mark.parametrize(("url", "action"), [("/echanges/vae/moderation/", "classer"),
                                             ("/admin/echanges/moderation/", "resolve")])
def test_a_too_long_flag_resolution_is_refused_next_to_its_row(client, moderator, space, url, action):
    post = make_thread(space=space, replies=1).posts.last()
    flag = Flag.objects.create(post=post, reporter=UserFactory(), reason="spam")
    client.force_login(moderator)
    response = client.post(url, {"action": action, "flag": flag.pk, "post": post.pk, "reason": LONG})
    assert response.status_code == 400
    assert_refused_next_to(response.content.decode(), f"motif-f{flag.pk}")
    flag.refresh_from_db()
    assert flag.status == "open" and not flag.resolution


def test_a_too_long_lifting_reason_is_refused_next_to_its_input(client, moderator, member):
    services.suspend_member(member=member, moderator=moderator, reason="Spam")
    client.force_login(moderator)
    response = client.post(f"/echanges/membre/{member.pk}/suspendre/", {"action": "lever", "reason": LONG})
    assert response.status_code == 400
    assert_refused_next_to(response.content.decode(), "motif-levee")
    assert MemberSanction.objects.active().filter(user=member).exists()


def test_the_services_refuse_a_too_long_reason_instead_of_cutting_it(moderator, member, space, settings):
    post = make_thread(space=space, replies=1).posts.last()
    with pytest.raises(ValidationError) as refused:
        services.hide_post(post=post, moderator=moderator, reason=LONG)
    assert "reason" in refused.value.error_dict
    post.refresh_from_db()
    assert not post.is_hidden and not ModerationLog.objects.filter(post=post).exists()
    with pytest.raises(ValidationError):
        services.reject_post(post=pending_post(space, settings), moderator=moderator, reason=LONG)
    flag = Flag.objects.create(post=post, reporter=member, reason="spam")
    with pytest.raises(ValidationError):
        services.resolve_flag(flag=flag, moderator=moderator, resolution=LONG)
    with pytest.raises(ValidationError):
        services.flag(post=post, reporter=UserFactory(), reason="spam", comment="x" * 501)
