import pytest
from django.test import override_settings

from comcep.directory.models import DirectoryProfile
from comcep.taxonomy.models import Operator, Region, Theme
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _forum_settings():
    # Threads by freshly created members are published at once (no new-member review).
    with override_settings(FORUMS_NEW_MEMBER_DAYS=0, FORUMS_POST_RATE="1000/1m",
                           FORUMS_NEW_MEMBER_POST_RATE="1000/1m"):
        yield


@pytest.fixture
def theme_vae(db):
    return Theme.objects.get_or_create(slug="vae-test", defaults={"name": "Validation des acquis"})[0]


@pytest.fixture
def theme_numerique(db):
    return Theme.objects.get_or_create(slug="numerique-test", defaults={"name": "Numérique et emploi"})[0]


def listed_member(*, themes=(), presentation="", **kwargs):
    """An approved member who chose to appear in the directory."""
    user = UserFactory(**kwargs)
    profile = DirectoryProfile.objects.create(user=user, listed=True, presentation=presentation)
    profile.themes.set(themes)
    return user


def region(slug):
    return Region.objects.get(slug=slug)


def operator(slug):
    return Operator.objects.get(slug=slug)
