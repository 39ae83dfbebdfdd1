import pytest
from django.contrib.auth.models import Group
from django.test import override_settings

from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory


@pytest.fixture(autouse=True)
def _forum_settings():
    # Most tests are about members past their first days and with generous rate limits;
    # the tests of those rules override them again.
    with override_settings(FORUMS_NEW_MEMBER_DAYS=0, FORUMS_POST_RATE="1000/1m",
                           FORUMS_NEW_MEMBER_POST_RATE="1000/1m"):
        yield


@pytest.fixture
def space(db):
    return SpaceFactory(slug="vae", title="VAE et certification")


@pytest.fixture
def region_group(db):
    return Group.objects.create(name="Région Occitanie")


@pytest.fixture
def private_space(db, region_group):
    return SpaceFactory(slug="occitanie", title="Occitanie entre nous", groups=[region_group])


@pytest.fixture
def insider(db, region_group):
    user = UserFactory(display_name="Inès Occitanie")
    user.groups.add(region_group)
    return user


@pytest.fixture
def other_member(db):
    return UserFactory(display_name="Bruno Martin")
