"""A reply submitted twice (double click, "resend", retry after a timeout) is stored once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forums import services
from forums.models import Post, Thread
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(settings):
    settings.FORUMS_NEW_MEMBER_DAYS = 0
    return services.create_thread(space=SpaceFactory(), author=UserFactory(), title="VAE : quels délais ?",
                                  body="Question ?")


def test_the_same_text_twice_is_stored_once(thread, member):
    first = services.add_reply(thread=thread, author=member, body="Deux mois en général.")
    again = services.add_reply(thread=thread, author=member, body="  Deux mois en général.\r\n")
    assert again.pk == first.pk and again.duplicate
    assert not getattr(first, "duplicate", False)
    assert Post.objects.filter(thread=thread, author=member).count() == 1
    assert Thread.objects.get(pk=thread.pk).post_count == 2


def test_other_text_other_member_or_later_is_a_new_post(thread, member):
    first = services.add_reply(thread=thread, author=member, body="Deux mois.")
    services.add_reply(thread=thread, author=member, body="Et parfois trois.")
    services.add_reply(thread=thread, author=UserFactory(), body="Deux mois.")
    Post.objects.filter(pk=first.pk).update(created_at=timezone.now() - services.DUPLICATE_WINDOW - timedelta(1))
    services.add_reply(thread=thread, author=member, body="Deux mois.")
    assert Post.objects.filter(thread=thread).count() == 5
    assert Thread.objects.get(pk=thread.pk).post_count == 5


def test_the_form_posted_twice_publishes_once_and_says_so(client, thread, member):
    client.force_login(member)
    url = reverse("forums:reply", args=[thread.pk])
    first = client.post(url, {"body": "Deux mois en général."})
    second = client.post(url, {"body": "Deux mois en général."}, follow=True)
    assert first.status_code == 302
    assert second.redirect_chain[0][0] == first.url
    assert "déjà enregistrée" in second.content.decode()
    assert Post.objects.filter(thread=thread, author=member).count() == 1
