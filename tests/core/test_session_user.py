"""comcep.core.sessionuser: the session's user loaded through a prepared query must be exactly the
user Django's own ``get_user`` loads (or refuses), for every kind of session, and members keep the
sessions they hold (the backend paths stored in them stay valid)."""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.test import RequestFactory, override_settings

from comcep.accounts.enums import MODERATORS_GROUP
from comcep.accounts.models import User
from comcep.core import sessionuser
from tests.factories import ModeratorFactory, PendingUserFactory, UserFactory

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
ALLAUTH_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def _fields(user):
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def _session_for(user, backend=MODEL_BACKEND):
    """A stored session, as a login leaves it."""
    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    auth.login(request, user, backend=backend)
    request.session.save()
    return dict(request.session.items())


def _request(data):
    request = RequestFactory().get("/")
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store.update(data)
    store.save()
    request.session = store
    return request


def _both(data):
    """(ours, Django's) users for two requests carrying the same session data, and the two requests."""
    ours_request, django_request = _request(data), _request(data)
    return (sessionuser.get_user(ours_request), auth.get_user(django_request), ours_request, django_request)


def test_the_middleware_replaces_djangos():
    assert "comcep.core.sessionuser.AuthenticationMiddleware" in settings.MIDDLEWARE
    assert "django.contrib.auth.middleware.AuthenticationMiddleware" not in settings.MIDDLEWARE
    # Sessions keep pointing at Django's and allauth's backends: nobody is logged out at deploy.
    assert settings.AUTHENTICATION_BACKENDS == [MODEL_BACKEND, ALLAUTH_BACKEND]


@pytest.mark.parametrize("backend", [MODEL_BACKEND, ALLAUTH_BACKEND])
@pytest.mark.parametrize("kind", ["member", "pending", "moderator", "superuser"])
def test_same_user_as_django_for_every_kind_of_account(kind, backend):
    user = {"member": UserFactory, "pending": PendingUserFactory, "moderator": ModeratorFactory,
            "superuser": lambda: UserFactory(is_superuser=True, is_staff=True)}[kind]()
    ours, django_user, _, _ = _both(_session_for(user, backend))
    assert django_user.pk == user.pk
    assert type(ours) is User
    assert _fields(ours) == _fields(django_user)
    assert ours.is_moderator is django_user.is_moderator is (kind in ("moderator", "superuser"))


def test_readers_alternate_without_mixing_up():
    readers = [UserFactory(), ModeratorFactory(), UserFactory(), PendingUserFactory()]
    sessions = [_session_for(reader) for reader in readers]
    for data, reader in [*zip(sessions, readers, strict=True), *reversed(list(zip(sessions, readers, strict=True)))]:
        ours, django_user, _, _ = _both(data)
        assert ours.pk == django_user.pk == reader.pk
        assert ours.is_moderator is django_user.is_moderator


def test_moderator_flag_read_with_the_user(django_assert_num_queries):
    moderator = ModeratorFactory()
    request = _request(_session_for(moderator))
    with django_assert_num_queries(1):
        user = sessionuser.get_user(request)
        assert user.is_moderator is True
    # A member made moderator after the request's user was loaded is one on the next request.
    member = UserFactory()
    data = _session_for(member)
    assert sessionuser.get_user(_request(data)).is_moderator is False
    member.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    assert sessionuser.get_user(_request(data)).is_moderator is True


def test_inactive_or_deleted_account_is_anonymous_as_with_django():
    member = UserFactory()
    data = _session_for(member)
    User.objects.filter(pk=member.pk).update(is_active=False)
    ours, django_user, _, _ = _both(data)
    assert not ours.is_authenticated and not django_user.is_authenticated
    other = UserFactory()
    data = _session_for(other)
    other.delete()
    ours, django_user, _, _ = _both(data)
    assert not ours.is_authenticated and not django_user.is_authenticated


def test_changed_password_ends_the_session_as_with_django():
    member = UserFactory()
    data = _session_for(member)
    member.set_password("un-tout-autre-mot-de-passe")
    member.save()
    ours, django_user, ours_request, django_request = _both(data)
    assert not ours.is_authenticated and not django_user.is_authenticated
    assert SESSION_KEY not in ours_request.session and SESSION_KEY not in django_request.session


def test_session_signed_with_a_previous_secret_is_kept_and_cycled_as_with_django():
    member = UserFactory()
    with override_settings(SECRET_KEY="an-older-secret-key-" + "x" * 40):
        data = _session_for(member)
    with override_settings(SECRET_KEY_FALLBACKS=["an-older-secret-key-" + "x" * 40]):
        ours, django_user, ours_request, django_request = _both(data)
        assert ours.pk == django_user.pk == member.pk
        assert ours_request.session[HASH_SESSION_KEY] == django_request.session[HASH_SESSION_KEY] \
            == member.get_session_auth_hash()
    with override_settings(SECRET_KEY_FALLBACKS=[]):
        ours, django_user, _, _ = _both(data)
        assert not ours.is_authenticated and not django_user.is_authenticated


def test_sessions_without_a_user_or_with_an_unknown_backend_are_anonymous():
    member = UserFactory()
    for data in ({}, {**_session_for(member), BACKEND_SESSION_KEY: "some.removed.Backend"},
                 {key: value for key, value in _session_for(member).items() if key != HASH_SESSION_KEY}):
        ours, django_user, _, _ = _both(data)
        assert not ours.is_authenticated and not django_user.is_authenticated


def test_a_member_stays_signed_in_through_the_site(client, django_assert_max_num_queries):
    member = UserFactory()
    client.force_login(member, backend=MODEL_BACKEND)
    response = client.get("/mon-espace/")
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == member.pk
    client.logout()
    client.force_login(member, backend=ALLAUTH_BACKEND)
    assert client.get("/mon-espace/").wsgi_request.user.pk == member.pk
