"""Moderators publish events and news in the Wagtail admin and see the registrations."""

import pytest
from wagtail.models import Page

from comcep.events.models import EventIndexPage, EventPage
from comcep.news.models import NewsIndexPage, NewsPage
from tests.factories.events import EventPageFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def test_moderators_may_publish_events_and_news(moderator):
    for index, model in ((EventIndexPage.objects.get(), EventPage), (NewsIndexPage.objects.get(), NewsPage)):
        perms = Page.objects.get(pk=index.pk).permissions_for_user(moderator)
        assert perms.can_add_subpage() and perms.can_publish_subpage()
        assert model in index.specific.allowed_subpage_models()


def test_members_cannot(member):
    index = EventIndexPage.objects.get()
    assert not Page.objects.get(pk=index.pk).permissions_for_user(member).can_add_subpage()


def test_registrations_admin_listing_for_moderators_only(client, moderator, member):
    RegistrationFactory(event=EventPageFactory(title="Atelier CPF"))
    client.force_login(moderator)
    response = client.get("/admin/registrations/")
    assert response.status_code == 200 and "Atelier CPF" in response.content.decode()
    client.force_login(member)
    assert client.get("/admin/registrations/").status_code in (302, 403)


def test_admin_refuses_a_time_that_does_not_exist_in_paris(admin_user, client):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    client.force_login(admin_user)
    index = EventIndexPage.objects.get()
    data = nested_form_data({
        "title": "Atelier de nuit", "slug": "atelier-nuit", "kind": "atelier",
        "starts_at": "2026-03-29 02:30", "ends_at": "2026-03-29 04:00",  # 02:30 is skipped that night
        "place": "Lille", "video_url": "", "visibility": "public",
        "description": rich_text(""), "documents": inline_formset([]),
    })
    response = client.post(f"/admin/pages/add/events/eventpage/{index.pk}/", data)
    assert response.status_code == 200
    assert "starts_at" in response.context["form"].errors
    assert not EventPage.objects.filter(slug="atelier-nuit").exists()


def test_organiser_is_chosen_among_approved_members_and_defaults_to_the_creator(client, moderator):
    from tests.factories import PendingUserFactory

    pending = PendingUserFactory(email="en.attente@example.fr")
    client.force_login(moderator)
    response = client.get(f"/admin/pages/add/events/eventpage/{EventIndexPage.objects.get().pk}/")
    field = response.context["form"].fields["organiser"]
    assert moderator in field.queryset and pending not in field.queryset
    assert response.context["form"]["organiser"].value() == moderator.pk
