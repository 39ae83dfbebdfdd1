"""The admin's member chooser replaces the <select> of every account on author/organiser fields."""

import pytest
from django.urls import reverse

from tests.factories import PendingUserFactory, UserFactory
from tests.factories.resources import ResourcePageFactory

pytestmark = pytest.mark.django_db


def test_resource_editor_uses_the_chooser_not_a_select_of_every_member(client, moderator):
    author = UserFactory(display_name="Awa Diallo")
    UserFactory.create_batch(30)
    page = ResourcePageFactory(author=author)
    client.force_login(moderator)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert 'name="author"' in html
    assert '<select name="author"' not in html
    assert reverse("membres_chooser:choose") in html
    assert "Awa Diallo" in html  # the current author is shown by the chooser widget


def test_chooser_lists_approved_members_only_and_searches_name_email_and_organisation(client, moderator):
    UserFactory(display_name="Awa Diallo", organisation="Mission locale de Lyon", email="awa@ml-lyon.fr")
    UserFactory(display_name="Bruno Martin", organisation="Apec Bordeaux", email="bruno@apec-exemple.fr")
    PendingUserFactory(display_name="Awa En-attente")
    client.force_login(moderator)
    url = reverse("membres_chooser:choose_results")

    listing = client.get(url).content.decode()
    assert "Awa Diallo" in listing and "Bruno Martin" in listing
    assert "Awa En-attente" not in listing

    for query in ("diallo", "ml-lyon", "mission locale"):
        found = client.get(url, {"q": query}).content.decode()
        assert "Awa Diallo" in found and "Bruno Martin" not in found, query


def test_chosen_member_is_returned_to_the_widget(client, moderator):
    author = UserFactory(display_name="Awa Diallo")
    client.force_login(moderator)
    response = client.get(reverse("membres_chooser:chosen", args=[author.pk]))
    assert response.status_code == 200
    assert response.json()["result"]["title"] == "Awa Diallo"
    assert client.get(reverse("membres_chooser:chosen", args=[999999])).status_code == 404


def test_members_without_admin_access_cannot_use_the_chooser(client, member):
    client.force_login(member)
    response = client.get(reverse("membres_chooser:choose"))
    assert response.status_code in (302, 403)
    assert "@" not in response.content.decode()


def test_chooser_query_count_does_not_grow_with_members(client, moderator, django_assert_max_num_queries):
    client.force_login(moderator)
    url = reverse("membres_chooser:choose_results")
    UserFactory.create_batch(5)
    client.get(url)
    with django_assert_max_num_queries(12):
        client.get(url)
    UserFactory.create_batch(40)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_animators_choose_members_by_name_without_seeing_or_searching_their_email_addresses(client):
    # The "Animateurs" (content authors) reach the admin and this chooser (a resource's author); members'
    # addresses are shown to nobody but moderators elsewhere (directory, conversations' picker).
    from django.contrib.auth.models import Group

    UserFactory(display_name="Awa Diallo", organisation="Mission locale de Lyon", email="awa@ml-lyon.fr")
    animator = UserFactory(display_name="Anim Ateur")
    animator.groups.add(Group.objects.get(name="Animateurs"))
    client.force_login(animator)
    url = reverse("membres_chooser:choose_results")
    listing = client.get(url)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Awa Diallo" in html and "Mission locale de Lyon" in html
    assert "awa@ml-lyon.fr" not in html
    assert "Awa Diallo" not in client.get(url, {"q": "ml-lyon.fr"}).content.decode()  # no search by address
    assert "Awa Diallo" in client.get(url, {"q": "diallo"}).content.decode()
    assert "awa@ml-lyon.fr" not in client.get(reverse("membres_chooser:choose")).content.decode()
