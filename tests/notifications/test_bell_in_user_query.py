"""The bell's unread count is read in the session user's query (comcep.core.sessionuser.register_annotation):
one query fewer on every member page, the same count as ``services.unread_count`` (capped at 100), and
forgotten by the views and services that mark notifications read (docs/performance.md, "Session 6")."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comcep.core.sessionuser import SESSION_USER
from comcep.notifications import services
from comcep.notifications.templatetags.notifications_tags import UNREAD_LIMIT, cached_unread_count
from tests.factories.notifications import NotificationFactory

pytestmark = pytest.mark.django_db


def _bell(html: str) -> str | None:
    start = html.find('<li class="notifications-bell">')
    item = html[start:html.find("</li>", start)]
    if '<span class="badge">' not in item:
        return None
    return item.split('<span class="badge">')[1].split("<")[0]


@pytest.mark.parametrize(("unread", "shown"), [(0, None), (3, "3"), (UNREAD_LIMIT + 20, f"{UNREAD_LIMIT - 1}+")])
def test_the_bell_shows_the_same_count_without_a_query_of_its_own(client, member, unread, shown):
    NotificationFactory.create_batch(unread, recipient=member)
    NotificationFactory.create_batch(2, recipient=member, read_at=timezone.now())
    NotificationFactory.create_batch(2)  # someone else's
    loaded = SESSION_USER.first(user=member.pk)
    assert getattr(loaded, services.UNREAD_ANNOTATION) == services.unread_count(member, limit=UNREAD_LIMIT)
    client.force_login(member)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/mon-espace/notifications/")
    assert response.status_code == 200
    assert _bell(response.content.decode()) == shown
    counting = [q["sql"] for q in captured if "COUNT(*) FROM (SELECT 1 FROM" in q["sql"]]
    assert len(counting) == 1 and '"accounts_user"' in counting[0], counting  # only inside the user's query


def test_marking_read_forgets_the_loaded_count(member):
    first, *_ = NotificationFactory.create_batch(3, recipient=member)
    request = RequestFactory().get("/")
    request.user = SESSION_USER.first(user=member.pk)
    assert getattr(request.user, services.UNREAD_ANNOTATION) == 3
    services.mark_read(request.user, first.pk)
    assert not hasattr(request.user, services.UNREAD_ANNOTATION)
    assert cached_unread_count(request) == 2  # counted again, after the change

    request = RequestFactory().get("/")
    request.user = SESSION_USER.first(user=member.pk)
    services.mark_all_read(request.user)
    assert cached_unread_count(request) == 0


def test_opening_a_notification_then_the_next_page_shows_the_new_count(client, member):
    notification, _other = NotificationFactory.create_batch(2, recipient=member, url="/mon-espace/notifications/")
    client.force_login(member)
    assert _bell(client.get("/mon-espace/notifications/").content.decode()) == "2"
    response = client.get(f"/mon-espace/notifications/{notification.pk}/", follow=True)
    assert response.status_code == 200
    assert _bell(response.content.decode()) == "1"

