"""The one "members only" rule of the site's apps, as a view decorator factory."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render


def is_approved_member(user) -> bool:
    return bool(user is not None and user.is_authenticated and getattr(user, "is_approved", False))


def sentinel_member(*, pk: int | None = None, approved: bool = True, moderator: bool = False):
    """An unsaved account standing for every reader of one kind while a query is compiled once
    (comcep.core.prepared): its status and moderator flag decide the branches the query builders take;
    ``pk`` is the prepared query's sentinel id, the only value of it that may reach the SQL."""
    from comcep.accounts.enums import MembershipStatus
    from comcep.accounts.models import User

    user = User(pk=pk, is_active=True,
                status=MembershipStatus.APPROVED if approved else MembershipStatus.PENDING)
    user._is_moderator_cache = moderator  # never a groups query for an unsaved account
    return user


def sentinel_reader(member: bool, rule: Callable):
    """For lists with a "members-only content" ``rule``: an approved member (not a moderator) when
    ``member``, else a visitor. The sentinel must take the branch the real reader takes, and only
    that branch reaches the SQL (no id, no per-user value)."""
    from django.contrib.auth.models import AnonymousUser

    user = sentinel_member() if member else AnonymousUser()
    if bool(rule(user)) is not member:
        raise AssertionError("the sentinel reader must take the real reader's branch")
    return user


def members_only(template_name: str, allowed: Callable = is_approved_member):
    """Visitors are sent to the login page; signed-in accounts that ``allowed`` refuses (pending,
    rejected...) get ``template_name``, a French page explaining why, with HTTP 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user):
                return render(request, template_name, status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
