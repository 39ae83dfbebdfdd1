"""The notification list's "il y a 3 heures" (comcep/core/naturaltime.py): humanize's own text, in every
language and time zone, across day, month and year boundaries, with each translation looked up once per
process instead of once per row and request."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime as humanize_naturaltime
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.translation import trans_real

from comcep.core.naturaltime import naturaltime
from tests.factories.notifications import NotificationFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOWS = [
    dt.datetime(2026, 11, 29, 22, 30, 15, tzinfo=UTC),
    dt.datetime(2024, 3, 1, 0, 0, 30, tzinfo=UTC),  # the day after a leap day
    dt.datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC),  # new year
    dt.datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC),  # the end of a 31-day month
    dt.datetime(2026, 3, 29, 1, 30, 0, tzinfo=UTC),  # Paris goes to summer time
]
DELTAS = [dt.timedelta(0), dt.timedelta(seconds=1), dt.timedelta(seconds=59), dt.timedelta(minutes=1),
          dt.timedelta(minutes=1, seconds=59), dt.timedelta(minutes=59), dt.timedelta(hours=1),
          dt.timedelta(hours=23, minutes=59), dt.timedelta(days=1), dt.timedelta(days=1, hours=5),
          dt.timedelta(days=6), dt.timedelta(days=7), dt.timedelta(days=13), dt.timedelta(days=28),
          dt.timedelta(days=29), dt.timedelta(days=30), dt.timedelta(days=31), dt.timedelta(days=59),
          dt.timedelta(days=364), dt.timedelta(days=365), dt.timedelta(days=366), dt.timedelta(days=800)]


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/Cayenne", "Pacific/Noumea"])
def test_the_text_is_humanizes_in_every_language_and_time_zone(zone):
    seen = set()
    with timezone.override(zone):
        for now in NOWS:
            with time_machine.travel(now, tick=False):
                for language in ("fr", "en", "fr"):  # the third pass reads what the first one kept
                    with translation.override(language):
                        for delta in DELTAS:
                            for value in (now - delta, now + delta,
                                          timezone.localtime(now - delta), timezone.localtime(now + delta)):
                                expected = str(humanize_naturaltime(value))
                                assert naturaltime(value) == expected, (zone, now, language, delta, value)
                                seen.add((language, expected))
    assert ("fr", "il y a 1\xa0mois") in seen and ("en", "1\xa0month ago") in seen
    assert ("fr", "maintenant") in seen and ("en", "now") in seen
    assert ("fr", "il y a 1\xa0année") in seen and ("fr", "dans 2\xa0années, 2\xa0mois") in seen
    assert naturaltime(None) is None and naturaltime("") == ""


def test_the_list_page_looks_each_time_text_up_once(client, member, monkeypatch):
    """Rows of different ages show humanize's text; the second request of the page (rows from the fragment
    cache, texts already kept) looks no plural message up in the catalogues."""
    now = timezone.now()
    for age in (dt.timedelta(minutes=5), dt.timedelta(hours=3), dt.timedelta(days=40), dt.timedelta(days=400)):
        NotificationFactory(recipient=member, title=f"Il y a {age}", created_at=now - age)
    client.force_login(member)
    lookups = []
    original = trans_real.do_ntranslate

    def counting(singular, plural, number, translation_function):
        lookups.append(singular)
        return original(singular, plural, number, translation_function)

    with override_settings(DEBUG=False, FRAGMENT_CACHE=True):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
        html = client.get("/mon-espace/notifications/").content.decode()
        for text in ("il y a 5\xa0minutes", "il y a 3\xa0heures", "il y a 1\xa0mois", "il y a 1\xa0année"):
            assert text in html
        monkeypatch.setattr(trans_real, "do_ntranslate", counting)
        assert "il y a 3\xa0heures" in client.get("/mon-espace/notifications/").content.decode()
    assert lookups == []
