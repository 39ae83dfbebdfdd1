"""Deleted accounts in the `members` section: their posts stay on the site, so a backup
(export_content) must carry an author row for them, without any personal data."""

import pytest

from comcep.accounts.models import User
from comcep.accounts.services import delete_account
from comcep.core import exchange
from forums import services as forums
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory

pytestmark = pytest.mark.django_db


def test_a_deleted_author_is_exported_without_personal_data(settings):
    settings.FORUMS_NEW_MEMBER_DAYS = 0
    author = UserFactory(display_name="Awa D.", organisation="Mission locale de Lyon")
    forums.create_thread(space=SpaceFactory(), author=author, title="Une question sur la VAE", body="Question ?")
    delete_account(author)
    author.refresh_from_db()
    document = exchange.export_content()
    entries = [m for m in document["members"] if m["email"] == author.email]
    assert entries == [{"email": author.email, "deleted": True}]
    assert "Awa D." not in str(document["members"])
    assert document["threads"][0]["author"] == author.email


def test_importing_a_deleted_account_creates_it_deleted_and_is_idempotent():
    data = {"format": exchange.FORMAT, "members": [{"email": "supprime-0123abcd@supprime.invalid", "deleted": True}]}
    ctx = exchange.import_content(data)
    assert ctx.counts["members"]["created"] == 1
    user = User.objects.get(email="supprime-0123abcd@supprime.invalid")
    assert user.deleted_at is not None and not user.is_active and not user.has_usable_password()
    assert user.public_name == "Membre supprimé"
    assert not user.emailaddress_set.exists()
    assert exchange.import_content(data).counts["members"]["unchanged"] == 1


@pytest.mark.parametrize(("item", "path", "message"), [
    ({"email": "awa@exemple.fr", "deleted": True}, "members[0].email", "supprime.invalid"),
    ({"email": "supprime-1@supprime.invalid", "deleted": False}, "members[0].deleted", "must be true"),
    ({"email": "supprime-1@supprime.invalid", "deleted": True, "display_name": "Awa"}, "members[0].display_name",
     "unknown field for a deleted account"),
])
def test_invalid_deleted_entries_are_refused_with_their_path(item, path, message):
    with pytest.raises(exchange.ContentImportError) as raised:
        exchange.import_content({"format": exchange.FORMAT, "members": [item]})
    assert any(p == path and message in m for p, m in raised.value.errors), raised.value.errors
    assert not User.objects.filter(email=item["email"]).exists()



def test_an_account_without_operator_or_name_that_wrote_content_is_exported_and_imports(settings):
    """A bare `createsuperuser` account has no operator and no display name; if it wrote a forum
    post, the export must carry it (the post's author) in a form the import accepts."""
    settings.FORUMS_NEW_MEMBER_DAYS = 0
    admin = User.objects.create_superuser(email="admin@exemple.fr", password="x")
    forums.create_thread(space=SpaceFactory(), author=admin, title="Message de l'administrateur", body="Bonjour.")
    document = exchange.export_content()
    exported = next(m for m in document["members"] if m["email"] == "admin@exemple.fr")
    assert exported["operator"] is None and exported["display_name"] == ""
    assert exchange.validate(document).errors == []
    bare = {"format": "comcep-content/1", "members": [{**exported, "email": "autre-admin@exemple.fr"}]}
    exchange.import_content(bare)
    restored = User.objects.get(email="autre-admin@exemple.fr")
    assert restored.operator is None and restored.display_name == "" and not restored.is_superuser
