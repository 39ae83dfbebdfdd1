"""French by default; English through the footer's language switch and a complete catalogue."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)


@pytest.mark.django_db
def test_footer_switch_turns_the_site_to_english_and_back(client):
    html = client.get("/").content.decode()
    assert '<html lang="fr">' in html
    assert 'name="language" value="en" lang="en"' in html  # the switch offers English, labelled in English

    response = client.post("/langue/", {"language": "en", "next": "/ressources/"})
    assert response.status_code == 302 and response["Location"] == "/ressources/"
    html = client.get("/ressources/").content.decode()
    assert '<html lang="en">' in html
    assert "Skip to content" in html and "Filter the resources" in html
    assert "Aller au contenu" not in html
    assert 'value="fr" lang="fr"' in html  # and offers French back

    client.post("/langue/", {"language": "fr", "next": "/"})
    assert "Aller au contenu" in client.get("/").content.decode()


@pytest.mark.django_db
def test_language_switch_refuses_offsite_next_and_unknown_languages(client):
    response = client.post("/langue/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response["Location"]
    client.post("/langue/", {"language": "de", "next": "/"})
    assert '<html lang="fr">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_language_switch_requires_csrf():
    from django.test import Client

    assert Client(enforce_csrf_checks=True).post("/langue/", {"language": "en"}).status_code == 403


IGNORED = shutil.ignore_patterns(".venv", ".git", "media", "staticfiles", "test-artifacts", "data", "results",
                                 "db.sqlite3*", "*.pyc", "__pycache__", "*.png", "*.mo")


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed")
def test_every_interface_string_has_an_english_translation(tmp_path):
    """Extract the strings of the current source (in a scratch copy of the project, so the real
    catalogue is untouched) and check that none is left untranslated: a new French string must come
    with its English translation (`make makemessages`, then fill locale/en/LC_MESSAGES/django.po)."""
    import polib

    copy = tmp_path / "project"
    shutil.copytree(BASE, copy, ignore=IGNORED)
    python = BASE / ".venv/bin/python"
    command = [str(python) if python.exists() else sys.executable, "manage.py", "makemessages", "-l", "en",
               "--ignore=.venv", "--ignore=bench", "--ignore=tests", "--no-obsolete", "-v0"]
    subprocess.run(command, cwd=copy, check=True, capture_output=True,
                   env={**os.environ, "DJANGO_SETTINGS_MODULE": "comcep.settings.test"})
    catalogue = polib.pofile(str(copy / "locale/en/LC_MESSAGES/django.po"))
    missing = [entry.msgid for entry in catalogue if not entry.translated()]
    assert not missing, f"{len(missing)} strings without an English translation, e.g. {missing[:5]}"


def test_french_plurals_follow_the_french_rule():
    """0 takes the singular in French (« 0 réponse »): every plural message of the interface (the English
    catalogue lists them all, see the test above) has its French forms in locale/fr."""
    import polib
    from django.utils import translation

    plurals = [entry for entry in polib.pofile(str(BASE / "locale/en/LC_MESSAGES/django.po")) if entry.msgid_plural]
    assert plurals
    with translation.override("fr"):
        for entry in plurals:
            if entry.msgctxt:
                forms = [translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n) for n in (0, 1, 2)]
            else:
                forms = [translation.ngettext(entry.msgid, entry.msgid_plural, n) for n in (0, 1, 2)]
            assert forms == [entry.msgid, entry.msgid, entry.msgid_plural], entry.msgid
