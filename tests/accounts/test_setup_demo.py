"""`manage.py setup_demo FILE...`: demo content plus three demo accounts with known passwords."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from comcep.accounts.models import User
from comcep.core.management.commands.setup_demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
DEMO = "comcep/core/demo/10-communaute.json"


def test_refuses_to_run_without_debug():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("setup_demo", DEMO)
    assert not User.objects.exists()


@override_settings(DEBUG=True)
def test_imports_files_and_ensures_the_demo_accounts_idempotently(capsys, client, tmp_path):
    extra = tmp_path / "20-extra.json"
    extra.write_text('{"format": "comcep-content/1", "themes": [{"slug": "demo-extra", "name": "Thème en plus"}]}',
                     encoding="utf-8")
    with open(DEMO, encoding="utf-8") as fh:
        members = len(json.load(fh)["members"])
    call_command("setup_demo", DEMO, str(extra))
    out = capsys.readouterr().out
    assert f"members: {members} created" in out
    assert "http://127.0.0.1:8000/admin/" in out and DEMO_PASSWORD in out
    for email in ("membre@demo.comcep.example.fr", "moderateur@demo.comcep.example.fr",
                  "admin@demo.comcep.example.fr"):
        assert email in out
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD)
    assert User.objects.get(email="moderateur@demo.comcep.example.fr").is_moderator
    assert User.objects.get(email="admin@demo.comcep.example.fr").is_superuser
    count = User.objects.count()

    call_command("setup_demo", DEMO, str(extra))
    out = capsys.readouterr().out
    assert f"members: 0 created, 0 updated, {members} unchanged" in out
    assert "themes: 0 created, 0 updated, 1 unchanged" in out  # the second file
    assert User.objects.count() == count

    response = client.post("/comptes/login/?next=/admin/",
                           {"login": "moderateur@demo.comcep.example.fr", "password": DEMO_PASSWORD})
    assert response["Location"] == "/admin/"


@override_settings(DEBUG=True)
def test_a_bad_file_stops_with_its_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "autre"}', encoding="utf-8")
    with pytest.raises(CommandError, match="format: expected"):
        call_command("setup_demo", str(bad))
