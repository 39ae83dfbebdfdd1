import pytest
from django.db import connection

from comcep.notifications import services


@pytest.fixture(autouse=True)
def notification_kinds():
    """Kinds owned by the tests (other apps register theirs in AppConfig.ready)."""
    saved = dict(services._kinds)
    services._kinds.clear()  # the preferences form lists every kind: keep only the tests' own
    services.register_kind("test-reply", "Nouvelle réponse dans un sujet suivi")
    services.register_kind("test-mention", "Quelqu'un vous a mentionné", description="Quand on écrit @votre nom.")
    services.register_kind("test-weekly", "Nouveautés de la semaine", default_frequency="weekly")
    yield
    services._kinds.clear()
    services._kinds.update(saved)


@pytest.fixture(scope="module")
def restore_migrated_data(django_db_blocker):
    """Transactional tests end with a flush; put the data migrations' rows (taxonomy, groups)
    back so the tests after these, and the next --reuse-db run, find them."""
    yield
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)
