"""A "Poser une question" form submitted twice (double click, the browser's "resend", a retry after a
timeout) publishes one thread, as a reply does (test_duplicate_reply.py)."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from forums import services
from forums.models import Post, Space, Thread

from .test_posting import assert_counters_match_rows

pytestmark = pytest.mark.django_db

FORM = {"title": "VAE : quels délais pour la recevabilité ?", "body": "Bonjour, quels délais constatez-vous ?"}


def test_the_same_question_submitted_twice_is_published_once(client, member, space):
    client.force_login(member)
    first = client.post(f"/echanges/{space.slug}/poser-une-question/", FORM)
    again = client.post(f"/echanges/{space.slug}/poser-une-question/", FORM)

    assert Thread.objects.filter(space=space, author=member).count() == 1
    thread = Thread.objects.get(space=space, author=member)
    assert first["Location"] == again["Location"] == thread.get_absolute_url()
    assert "déjà enregistrée" in " ".join(str(m) for m in get_messages(again.wsgi_request))
    assert Space.objects.get(pk=space.pk).thread_count == 1
    assert_counters_match_rows(space)


def test_another_text_space_member_or_a_later_submission_is_a_new_thread(member, other_member, space):
    other_space = Space.objects.create(slug="cpf", title="CPF")
    first = services.create_thread(space=space, author=member, **FORM)
    services.create_thread(space=space, author=member, title=FORM["title"], body="Un autre texte.")
    services.create_thread(space=other_space, author=member, **FORM)
    services.create_thread(space=space, author=other_member, **FORM)
    Thread.objects.filter(pk=first.pk).update(created_at=timezone.now() - services.DUPLICATE_WINDOW - timedelta(1))
    services.create_thread(space=space, author=member, **FORM)

    assert Thread.objects.count() == 5
    assert Post.objects.count() == 5
