"""The French demo content of the library (comcep/core/demo/20-ressources.json), loaded after the
community file that defines its themes and authors, as `make run` does."""

import json
from pathlib import Path

import pytest
from django.conf import settings

from comcep.core import exchange
from resources.enums import ResourceKind
from resources.models import ResourcePage

pytestmark = pytest.mark.django_db

DEMO_DIR = Path(settings.BASE_DIR) / "comcep" / "core" / "demo"


def load(name):
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


def test_demo_resources_import_and_reimport_unchanged(client):
    exchange.import_content(load("10-communaute.json"))
    demo = load("20-ressources.json")
    ctx = exchange.import_content(demo)
    assert ctx.counts["resources"]["created"] == len(demo["resources"]) >= 40
    pages = ResourcePage.objects.live()
    assert {p.kind for p in pages} == set(ResourceKind.values)
    used_themes = {slug for r in demo["resources"] for slug in r["themes"]}
    assert len(used_themes) >= 12
    assert used_themes <= {t.slug for p in pages for t in p.themes.all()}
    assert pages.filter(visibility="members").count() >= 5
    assert all(p.body and "<h2>" in p.body[0].value.source for p in pages)
    assert client.get("/ressources/").status_code == 200
    ctx = exchange.import_content(load("20-ressources.json"))
    assert dict(ctx.counts["resources"]) == {"unchanged": len(demo["resources"])}
