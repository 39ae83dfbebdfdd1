import pytest
from django.test import override_settings

from comcep.conversations import services
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _conversation_settings():
    # Members past their first days with generous rate limits; the rate-limit tests override them.
    with override_settings(CONVERSATIONS_NEW_MEMBER_DAYS=0, CONVERSATIONS_MESSAGE_RATE="1000/1m",
                           CONVERSATIONS_NEW_MEMBER_MESSAGE_RATE="1000/1m"):
        yield


@pytest.fixture
def alice(db):
    return UserFactory(display_name="Alice Martin", organisation="France Travail Lyon")


@pytest.fixture
def bruno(db):
    return UserFactory(display_name="Bruno Leroy", organisation="Apec Nantes")


@pytest.fixture
def chloe(db):
    return UserFactory(display_name="Chloé Durand", organisation="Cap emploi 35")


@pytest.fixture
def conversation(alice, bruno):
    """Alice wrote to Bruno; Bruno has not read it yet."""
    return services.start_conversation(author=alice, recipients=[bruno], subject="Atelier CV à Lyon",
                                       body="Bonjour Bruno, **secret partagé** : on fait l'atelier ensemble ?")


def start(author, recipients, subject="Une question", body="Bonjour, une question rapide."):
    return services.start_conversation(author=author, recipients=recipients, subject=subject, body=body)
