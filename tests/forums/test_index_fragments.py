"""The spaces' index (/echanges/) serves its rows from the fragment cache (comcep/core/fragments.py): what a
member relies on shows at once (new activity, counts, a renamed space or author, their own "Suivi"), and each
member's row is their own."""

import re

import pytest
from django.test import Client

from comcep.core import fragments
from forums import services
from forums.models import Space
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread
from tests.html import without_tokens

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache_on")]


def page(client) -> str:
    """The index, CSRF tokens aside (masked differently on every response)."""
    return without_tokens(client.get("/echanges/").content.decode())


def row(client, space) -> str:
    html = client.get("/echanges/").content.decode()
    match = re.search(rf'<tr[^>]*>\s*<th scope="row">\s*<a href="{re.escape(space.get_absolute_url())}".*?</tr>',
                      html, re.S)
    assert match, f"{space.title} not on the index"
    return match.group(0)


def test_rows_are_cached_and_identical_to_rendering_without_the_cache(member, space, settings):
    other = SpaceFactory(title="Mobilité", description="Changer de région, de métier.")
    make_thread(space=space, replies=2)
    client = Client()
    client.force_login(member)
    first = page(client)
    assert fragments.cached_count("forum-space-row") == 2
    assert page(client) == first
    settings.FRAGMENT_CACHE = False
    assert page(client) == first
    assert "Changer de région, de métier." in row(client, other)


def test_new_activity_and_renames_show_at_once(member, space):
    author = UserFactory(display_name="Awa Diallo")
    thread = make_thread(space=space, author=author, title="Financer une VAE")
    client = Client()
    client.force_login(member)
    before = row(client, space)
    assert "Financer une VAE" in before and "Awa Diallo" in before

    replier = UserFactory(display_name="Bruno Martin")
    services.add_reply(thread=Space.objects.get(pk=space.pk).threads.get(pk=thread.pk), author=replier,
                       body="La région finance aussi.")
    after = row(client, space)
    assert "Bruno Martin" in after and ">2<" in after.replace(" ", "")  # two messages

    Space.objects.filter(pk=space.pk).update(title="VAE : financements et jurys")
    space.refresh_from_db()
    assert "VAE : financements et jurys" in row(client, space)
    type(replier).objects.filter(pk=replier.pk).update(display_name="Bruno M.")
    assert "Bruno M." in row(client, space)


def test_following_shows_for_the_follower_only(member, space):
    other = UserFactory()
    follower_client, other_client = Client(), Client()
    follower_client.force_login(member)
    other_client.force_login(other)
    assert "Suivi" not in row(follower_client, space)
    assert "Suivi" not in row(other_client, space)
    services.follow(member, space=space)
    assert "Suivi" in row(follower_client, space)
    assert "Suivi" not in row(other_client, space)
