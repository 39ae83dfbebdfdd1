"""The French demo content of the library (comcep/core/demo/20-ressources.json)."""

import json
from pathlib import Path

import pytest
from django.conf import settings

from comcep.core import exchange
from resources.enums import ResourceKind
from resources.models import ResourcePage
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("members_section_stub")]

DEMO = Path(settings.BASE_DIR) / "comcep" / "core" / "demo" / "20-ressources.json"


@pytest.fixture
def demo():
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    for member in data["members"]:  # created by the accounts section once it exists; harmless before
        UserFactory(email=member["email"], display_name=member["display_name"])
    return data


def test_demo_resources_import_and_reimport_unchanged(demo, client):
    ctx = exchange.import_content(demo)
    assert ctx.counts["resources"]["created"] == len(demo["resources"]) >= 40
    pages = ResourcePage.objects.live()
    assert {p.kind for p in pages} == set(ResourceKind.values)
    assert {t["slug"] for t in demo["themes"]} <= {t.slug for p in pages for t in p.themes.all()}
    assert pages.filter(visibility="members").count() >= 5
    assert all(p.body and "<h2>" in p.body[0].value.source for p in pages)
    assert client.get("/ressources/").status_code == 200
    ctx = exchange.import_content(demo)
    assert dict(ctx.counts["resources"]) == {"unchanged": len(demo["resources"])}
