"""The notification list's rows come from the content-addressed fragment cache (comcep/core/fragments.py):
reading a notification, a new one and the passing of time show at once."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from comcep.core import fragments
from comcep.notifications import services
from tests.factories.notifications import NotificationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache_on")]


def row(html: str, title: str) -> str:
    match = re.search(rf'<li class="notification[^"]*">(?:(?!</li>).)*?{re.escape(title)}.*?</li>', html, re.S)
    assert match, f"no row for {title}"
    return match.group(0)


def test_read_new_and_older_notifications_show_at_once(client, member):
    first = NotificationFactory(recipient=member, title="Réponse de Awa")
    client.force_login(member)
    html = client.get("/mon-espace/notifications/").content.decode()
    assert "Non lue" in row(html, "Réponse de Awa")
    assert fragments.cached_count("notification-row") == 1
    services.mark_read(member, first.pk)
    NotificationFactory(recipient=member, title="Réponse de Bruno")
    html = client.get("/mon-espace/notifications/").content.decode()
    assert "Non lue" not in row(html, "Réponse de Awa") and "Lue" in row(html, "Réponse de Awa")
    assert "Non lue" in row(html, "Réponse de Bruno")
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        html = client.get("/mon-espace/notifications/").content.decode()
    assert "3\xa0jours" in row(html, "Réponse de Awa") or "3 jours" in row(html, "Réponse de Awa")
