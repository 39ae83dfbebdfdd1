"""The one "members only" rule of the site's apps, as a view decorator factory."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render


def is_approved_member(user) -> bool:
    return bool(user is not None and user.is_authenticated and getattr(user, "is_approved", False))


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
