"""The signed-in member of each request, loaded through a query compiled once (comcep.core.prepared).

Django's ``AuthenticationMiddleware`` loads the session's user with
``ModelBackend.get_user`` → ``User._default_manager.get(pk=…)``: an ORM-built query on every member
request (~0.3 ms of CPU to build and compile, for a 0.02 ms primary-key lookup). A backend of our own
would change the backend path stored in every session, and Django drops a session whose backend is no
longer configured: every member would be logged out once at deploy. So the sessions keep the paths
they hold (``django.contrib.auth.backends.ModelBackend`` and allauth's backend, a ``ModelBackend``
subclass that does not override ``get_user``), and this middleware replaces the *loading*:

* for a session whose backend is configured and whose ``get_user`` is ``ModelBackend.get_user``, the
  user comes from :data:`SESSION_USER` (same row, same fields, same "can authenticate" rule:
  ``backend.user_can_authenticate``), and its moderator flag is read in the same query (``User.is_moderator``
  then needs no query of its own);
* the session's hash check is Django's own (``django.contrib.auth.get_user`` in Django 5.2: the current
  secret, then the fallback secrets with a cycled session key, else the session is flushed);
* any other backend goes through ``django.contrib.auth.get_user`` unchanged.

Re-check :func:`get_user` against ``django.contrib.auth.get_user`` when upgrading Django
(tests/core/test_session_user.py compares both for every kind of session).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.middleware import auser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from .prepared import PreparedQuery

#: Per-member values that every page shows, read in the session user's query (one round trip fewer per
#: page): attribute name -> builder of an expression over the user's row (see :func:`register_annotation`).
_annotations: dict[str, Callable[[], Any]] = {}


def register_annotation(name: str, build: Callable[[], Any]) -> None:
    """Add ``build()`` (an expression over the user's row, e.g. a correlated subquery on ``OuterRef("pk")``)
    to :data:`SESSION_USER`: the signed-in member then carries it as ``name``. Call it in an
    ``AppConfig.ready`` (the query is compiled at the first request). The value is the one read when the
    request's user was loaded: a view that changes it before rendering must delete the attribute (the
    app then computes it again), e.g. ``comcep.notifications.services.mark_all_read``."""
    if not name.startswith("_"):
        raise ValueError("a session user annotation is private: its name starts with '_'")
    _annotations[name] = build
    SESSION_USER.forget_shapes()


def _build_session_user(*, user):
    from comcep.accounts.enums import MODERATORS_GROUP
    from comcep.accounts.models import User

    moderators = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=MODERATORS_GROUP)
    return User._default_manager.filter(pk=user).annotate(
        _is_moderator_cache=Exists(moderators), **{name: build() for name, build in _annotations.items()})


#: The session's user with its moderator flag (``_is_moderator_cache``, read by ``User.is_moderator``) and
#: the registered annotations (the notification bell's unread count).
SESSION_USER = PreparedQuery("core.session_user", _build_session_user, params={"user": int})

_backends: dict[str, ModelBackend | None] = {}


def _prepared_backend(path: str):
    """The backend instance if its ``get_user`` is ``ModelBackend``'s (the prepared query then loads
    the same row), else None."""
    if path not in _backends:
        backend = load_backend(path)
        _backends[path] = backend if type(backend).get_user is ModelBackend.get_user else None
    return _backends[path]


def get_user(request):
    """``django.contrib.auth.get_user`` with the user loaded through :data:`SESSION_USER`."""
    try:
        backend_path = request.session[BACKEND_SESSION_KEY]
        raw_id = request.session[SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    backend = _prepared_backend(backend_path)
    if backend is None:
        return auth.get_user(request)
    user_model = auth.get_user_model()
    user_id = user_model._meta.pk.to_python(raw_id)
    user = SESSION_USER.first(user=user_id) if isinstance(user_id, int) else None
    if user is not None and not backend.user_can_authenticate(user):
        user = None
    if user is not None:
        # Verify the session, as django.contrib.auth.get_user does.
        session_hash = request.session.get(HASH_SESSION_KEY)
        if not session_hash:
            session_hash_verified = False
        else:
            session_auth_hash = user.get_session_auth_hash()
            session_hash_verified = constant_time_compare(session_hash, session_auth_hash)
        if not session_hash_verified:
            if session_hash and any(
                constant_time_compare(session_hash, fallback_auth_hash)
                for fallback_auth_hash in user.get_session_auth_fallback_hash()
            ):
                request.session.cycle_key()
                request.session[HASH_SESSION_KEY] = session_auth_hash
            else:
                request.session.flush()
                user = None
    return user or AnonymousUser()


def _cached_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's ``AuthenticationMiddleware`` with :func:`get_user` (asynchronous views keep Django's
    ``auser``)."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _cached_user(request))
        request.auser = partial(auser, request)
