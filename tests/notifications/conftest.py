import pytest

from comcep.notifications import services


@pytest.fixture(autouse=True)
def notification_kinds():
    """Kinds owned by the tests (other apps register theirs in AppConfig.ready)."""
    saved = dict(services._kinds)
    services.register_kind("test-reply", "Nouvelle réponse dans un sujet suivi")
    services.register_kind("test-mention", "Quelqu'un vous a mentionné", description="Quand on écrit @votre nom.")
    services.register_kind("test-weekly", "Nouveautés de la semaine", default_frequency="weekly")
    yield
    services._kinds.clear()
    services._kinds.update(saved)
