"""Read pages' CPU (docs/performance.md, "Session 8"): the per-loop fragment keyer gives the very keys
``fragment_key`` gives, and the thread page's empty reply form, built only when its fragment is not
cached, has the key the built form would have."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone, translation

from comcep.core.fragments import fragment_key, keyer
from forums.forms import ReplyForm
from forums.views import _reply_form_fragment_key

PARTS = [
    ("forum-thread-row", 12, "espace", "un-sujet", "Un sujet", datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC),
     "Jean D.", False, True, None, 3),
    ("agenda-card", 7, "/agenda/atelier/", "Atelier", ["VAE", "CPF"], 0),
    ("library-card",),
]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("zone", ["Europe/Paris", "America/Cayenne"])
def test_the_keyer_gives_fragment_keys(language, zone):
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        key = keyer()
        for kind, *parts in PARTS:
            assert key(kind, *parts) == fragment_key(kind, *parts)


def test_a_keyer_keeps_the_language_it_was_made_in():
    with translation.override("fr"):
        key = keyer()
        french = fragment_key("row", 1)
    with translation.override("en"):
        assert key("row", 1) == french != fragment_key("row", 1)


@pytest.mark.django_db
@pytest.mark.parametrize("initial", [{}, {"body": "> Une citation\n\n"}])
def test_the_lazy_reply_forms_key_is_the_built_forms(initial):
    from tests.factories.forums import make_thread

    thread = make_thread()
    built = _reply_form_fragment_key(thread, ReplyForm(initial=initial), None)
    assert built is not None
    assert _reply_form_fragment_key(thread, object(), None, initial=initial) == built
    other = _reply_form_fragment_key(thread, object(), None, initial={"body": "> Autre citation\n\n"})
    assert other != built
