"""The home page's sections run queries compiled once per kind of reader (comcep.core.prepared):
each reader gets exactly what the ORM path (``visible_to``) gives them, and the clock is read on
every request, not frozen when the query was first built."""

import datetime as dt
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone

from comcep.core.enums import Visibility
from comcep.events.home import HOME_EVENT_COUNT, upcoming_events
from comcep.events.models import EventPage
from comcep.news.home import HOME_NEWS_COUNT, latest_news
from comcep.news.models import NewsPage
from resources.models import ResourcePage
from resources.views import HOME_LIMIT, latest_resources_for_home
from tests.factories import ModeratorFactory, PendingUserFactory, UserFactory
from tests.factories.events import EventPageFactory
from tests.factories.news import NewsPageFactory
from tests.factories.resources import ResourcePageFactory

pytestmark = pytest.mark.django_db


def request_for(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def readers():
    return {"visitor": AnonymousUser(), "pending": PendingUserFactory(), "member": UserFactory(),
            "moderator": ModeratorFactory()}


def test_each_reader_gets_what_the_orm_gives_them():
    soon = timezone.now() + dt.timedelta(days=1)
    for n in range(4):
        EventPageFactory(title=f"Public {n}", starts_at=soon + dt.timedelta(days=2 * n),
                         ends_at=soon + dt.timedelta(days=2 * n, hours=1))
        EventPageFactory(title=f"Membres {n}", visibility=Visibility.MEMBERS,
                         starts_at=soon + dt.timedelta(days=2 * n + 1),
                         ends_at=soon + dt.timedelta(days=2 * n + 1, hours=1))
        NewsPageFactory(title=f"Actu {n}")
        NewsPageFactory(title=f"Actu membres {n}", visibility=Visibility.MEMBERS)
    for n in range(4):
        ResourcePageFactory(title=f"Fiche {n}")
        ResourcePageFactory(title=f"Fiche membres {n}", visibility=Visibility.MEMBERS)
    EventPageFactory(title="Annulé", starts_at=soon, ends_at=soon + dt.timedelta(hours=1), is_cancelled=True)
    EventPageFactory(title="Passé", starts_at=soon - dt.timedelta(days=5), ends_at=soon - dt.timedelta(days=4))

    for who, user in readers().items():
        events = [e.title for e in upcoming_events(request_for(user))]
        assert events == [e.title for e in EventPage.objects.visible_to(user).filter(is_cancelled=False)
                          .upcoming()[:HOME_EVENT_COUNT]], who
        news = [n.title for n in latest_news(request_for(user))]
        assert news == [n.title for n in NewsPage.objects.visible_to(user).newest_first()[:HOME_NEWS_COUNT]], who
        resources = [r.title for r in latest_resources_for_home(request_for(user))]
        assert resources == [r.title for r in ResourcePage.objects.visible_to(user).newest(HOME_LIMIT)], who
        members = who in ("member", "moderator")
        assert any("membres" in title.lower() for title in events + news + resources) is members, who
        assert "Annulé" not in events and "Passé" not in events


def test_an_event_that_just_ended_leaves_the_home_page():
    start = timezone.now() + dt.timedelta(hours=1)
    event = EventPageFactory(title="Webinaire bientôt fini", starts_at=start, ends_at=start + dt.timedelta(hours=1))
    reader = UserFactory()
    assert [e.title for e in upcoming_events(request_for(reader))] == ["Webinaire bientôt fini"]
    EventPage.objects.filter(pk=event.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1),
                                                 ends_at=timezone.now())
    time.sleep(0.01)
    assert upcoming_events(request_for(reader)) == []
