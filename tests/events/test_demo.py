"""The French demo agenda (comcep/core/demo/40-agenda.json), loaded after the community file."""

import json
from pathlib import Path

import pytest

from comcep.core import exchange
from comcep.events.models import EventPage
from comcep.news.models import NewsPage

DEMO_DIR = Path(__file__).resolve().parents[2] / "comcep/core/demo"


def load(name):
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_demo_file_imports_twice():
    exchange.import_content(load("10-communaute.json"))
    exchange.import_content(load("40-agenda.json"))
    assert EventPage.objects.count() == 8 and NewsPage.objects.count() == 6
    assert EventPage.objects.exclude(replay_url="").count() >= 2
    ctx = exchange.import_content(load("40-agenda.json"))
    assert ctx.counts["events"] == {"unchanged": 8} and ctx.counts["news"] == {"unchanged": 6}
