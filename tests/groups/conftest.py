import pytest
from django.test import override_settings

from tests.factories import UserFactory
from tests.factories.groups import make_group


@pytest.fixture(autouse=True)
def _forum_settings():
    with override_settings(FORUMS_NEW_MEMBER_DAYS=0, FORUMS_POST_RATE="1000/1m",
                           FORUMS_NEW_MEMBER_POST_RATE="1000/1m"):
        yield


@pytest.fixture
def coordinator(db):
    return UserFactory(display_name="Awa Coordinatrice", email="awa@ft-exemple.fr")


@pytest.fixture
def insider(db):
    return UserFactory(display_name="Inès Lyon", email="ines@ml-exemple.fr")


@pytest.fixture
def group(db, coordinator, insider):
    return make_group(slug="auvergne-rhone-alpes", name="Groupe Auvergne-Rhône-Alpes",
                      coordinators=[coordinator], members=[insider])


@pytest.fixture
def outsider(db):
    """A member of ANOTHER region's group."""
    user = UserFactory(display_name="Paul Paris")
    return user


@pytest.fixture
def other_group(db, outsider):
    other_coordinator = UserFactory(display_name="Sophie Coordinatrice IDF")
    return make_group(region="ile-de-france", slug="ile-de-france", name="Groupe Île-de-France",
                      coordinators=[other_coordinator], members=[outsider])
