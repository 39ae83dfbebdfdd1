"""The comcep-content/1 import/export for themes and members: all or nothing, errors
with JSON paths, idempotent re-import, export round trip."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError

from comcep.accounts.enums import MembershipStatus
from comcep.accounts.models import User
from comcep.core import exchange
from comcep.taxonomy.models import Theme

pytestmark = pytest.mark.django_db


def member(email="awa@exemple.fr", **overrides):
    item = {"email": email, "display_name": "Awa D.", "organisation": "Mission locale de Lyon",
            "operator": "mission-locale", "region": "auvergne-rhone-alpes", "role": "member"}
    item.update(overrides)
    return item


def document(**sections):
    return {"format": "comcep-content/1", **sections}


@pytest.fixture
def write(tmp_path):
    def _write(data, name="contenu.json"):
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return str(path)

    return _write


def import_error(path) -> str:
    with pytest.raises(CommandError) as excinfo:
        call_command("import_content", path)
    return str(excinfo.value)


def nothing_written():
    return not User.objects.filter(email__endswith="@exemple.fr").exists() and not Theme.objects.exists()


def test_import_creates_approved_members_with_verified_addresses_and_moderators(write, capsys):
    path = write(document(
        themes=[{"slug": "vae", "name": "VAE", "parent": None}],
        members=[member("Awa@Exemple.fr"), member("yanis@exemple.fr", display_name="Yanis", role="moderator",
                                                  region=None, operator="autre")],
    ))
    call_command("import_content", path)
    assert "members: 2 created" in capsys.readouterr().out
    awa = User.objects.get(email="awa@exemple.fr")
    assert awa.status == MembershipStatus.APPROVED and awa.is_approved and not awa.is_moderator
    assert not awa.has_usable_password()
    assert EmailAddress.objects.filter(user=awa, email="awa@exemple.fr", verified=True, primary=True).exists()
    yanis = User.objects.get(email="yanis@exemple.fr")
    assert yanis.is_moderator and yanis.region is None


def test_second_import_changes_nothing(write, capsys):
    path = write(document(themes=[{"slug": "vae", "name": "VAE", "parent": None},
                                  {"slug": "cpf", "name": "CPF", "parent": "vae"}],
                          members=[member(), member("b@exemple.fr", role="moderator")]))
    call_command("import_content", path)
    capsys.readouterr()
    call_command("import_content", path)
    out = capsys.readouterr().out
    assert "themes: 0 created, 0 updated, 2 unchanged" in out
    assert "members: 0 created, 0 updated, 2 unchanged" in out


def test_reimport_updates_changed_members(write, capsys):
    call_command("import_content", write(document(members=[member()])))
    capsys.readouterr()
    call_command("import_content", write(document(members=[member(organisation="France Travail", role="moderator")])))
    assert "members: 0 created, 1 updated, 0 unchanged" in capsys.readouterr().out
    awa = User.objects.get(email="awa@exemple.fr")
    assert awa.organisation == "France Travail" and awa.is_moderator


def test_unknown_vocabulary_is_reported_with_its_path_and_the_known_values(write):
    path = write(document(members=[member(), member("b@exemple.fr", operator="pole-emploi", region="bretagne-sud")]))
    message = import_error(path)
    assert "2 problems, nothing was imported" in message
    assert ('members[1].operator: unknown operator "pole-emploi" '
            "(known: apec, autre, cap-emploi, france-travail") in message
    assert 'members[1].region: unknown region "bretagne-sud" (known: auvergne-rhone-alpes' in message
    assert nothing_written()


def test_missing_field_invalid_email_and_unknown_role(write):
    bad = member("pas-une-adresse", role="admin")
    del bad["display_name"]
    message = import_error(write(document(members=[bad])))
    assert 'members[0].email: invalid e-mail address "pas-une-adresse"' in message
    assert "members[0].display_name: missing (required)" in message
    assert 'members[0].role: unknown role "admin" (known: member, moderator)' in message
    assert nothing_written()


def test_duplicate_email_and_duplicate_theme_slug(write):
    message = import_error(write(document(
        themes=[{"slug": "vae", "name": "VAE"}, {"slug": "vae", "name": "VAE encore"}],
        members=[member(), member("AWA@exemple.fr ")],
    )))
    assert 'themes[1].slug: duplicate slug "vae"' in message
    assert 'members[1].email: duplicate e-mail "awa@exemple.fr" (already in members[0])' in message
    assert nothing_written()


def test_malformed_json(write):
    message = import_error(write('{"format": "comcep-content/1", "members": [}'))
    assert "malformed JSON" in message and "line 1" in message
    assert nothing_written()


def test_wrong_format_tag(write):
    message = import_error(write({"format": "comcep-content/2", "members": [member()]}))
    assert 'format: expected "comcep-content/1", got "comcep-content/2"' in message
    assert nothing_written()


def test_one_bad_member_means_nothing_is_written_even_valid_themes(write):
    message = import_error(write(document(themes=[{"slug": "vae", "name": "VAE"}],
                                          members=[member(), member("b@exemple.fr", region="atlantide")])))
    assert "members[1].region" in message
    assert nothing_written()


def test_export_then_import_into_an_empty_database_gives_the_same_document(write):
    call_command("import_content", "comcep/core/demo/10-communaute.json")
    first = exchange.export_content()
    assert len(first["members"]) >= 14 and len(first["themes"]) >= 12
    # Empty the content (the vocabularies stay: they come from migrations), then re-import the export.
    EmailAddress.objects.all().delete()
    User.objects.all().delete()
    Theme.objects.filter(parent__isnull=False).delete()
    Theme.objects.all().delete()
    call_command("import_content", write(first, "export.json"))
    assert exchange.export_content() == first


def test_demo_file_is_valid_french_content_across_operators_and_regions():
    with open("comcep/core/demo/10-communaute.json", encoding="utf-8") as fh:
        data = json.load(fh)
    assert not exchange.validate(data).errors
    members = data["members"]
    assert len(data["themes"]) >= 12 and any(t["parent"] for t in data["themes"])
    assert len(members) >= 14
    assert {m["operator"] for m in members} == {
        "france-travail", "apec", "cap-emploi", "mission-locale", "operateur-regional", "autre"}
    assert len({m["region"] for m in members if m["region"]}) >= 10
    assert sum(m["role"] == "moderator" for m in members) == 2
