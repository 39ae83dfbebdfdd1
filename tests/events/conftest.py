import pytest
from django.contrib.auth.models import Group

from comcep.accounts.enums import MODERATORS_GROUP


@pytest.fixture
def organiser(db):
    from tests.factories import UserFactory

    return UserFactory(display_name="Awa Diallo", organisation="Apec Bretagne")


@pytest.fixture
def moderators_group(db):
    return Group.objects.get(name=MODERATORS_GROUP)
