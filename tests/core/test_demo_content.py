"""`make run` loads every demo file with setup_demo; running it again must change nothing."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from comcep.core import exchange

pytestmark = pytest.mark.django_db

DEMO_FILES = sorted(str(p) for p in (Path(settings.BASE_DIR) / "comcep" / "core" / "demo").glob("*.json"))


def test_setup_demo_over_every_file_is_idempotent(capsys):
    assert len(DEMO_FILES) >= 3
    call_command("setup_demo", *DEMO_FILES, "--force")
    first = exchange.export_content()
    assert "comcep-demo-2026" in capsys.readouterr().out  # the demo accounts are printed
    call_command("setup_demo", *DEMO_FILES, "--force")
    out = capsys.readouterr().out
    changes = [int(n) for n in re.findall(r"(\d+) (?:created|updated)", out)]
    assert changes and not any(changes), out
    assert exchange.export_content() == first
