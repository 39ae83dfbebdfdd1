import json
from pathlib import Path

import pytest

from comcep.core import exchange
from comcep.events.models import EventPage
from comcep.news.models import NewsPage
from tests.events.test_exchange import _members_section  # noqa: F401 - stands in until accounts lands
from tests.factories import UserFactory

DEMO = Path(__file__).resolve().parents[2] / "comcep/core/demo/40-agenda.json"


@pytest.mark.django_db
def test_demo_file_imports_twice(_members_section):  # noqa: F811
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    for member in data["members"]:  # created by the accounts section once merged
        UserFactory(email=member["email"], display_name=member["display_name"])
    exchange.import_content(data)
    assert EventPage.objects.count() == 8 and NewsPage.objects.count() == 6
    assert EventPage.objects.exclude(replay_url="").count() >= 2
    ctx = exchange.import_content(json.loads(DEMO.read_text(encoding="utf-8")))
    assert ctx.counts["events"] == {"unchanged": 8} and ctx.counts["news"] == {"unchanged": 6}
