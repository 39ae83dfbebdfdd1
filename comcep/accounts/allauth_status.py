"""allauth's pages answer 400 for a submitted form with errors, the project's rule (allauth answers 200).

allauth's views are kept as they are: each is wrapped (``with_form_status``) so that a POST whose response
shows a bound form with errors gets the status 400; nothing else changes (the page, the errors next to the
fields, what was typed, redirects, rate limits' 429). ``urlpatterns`` is allauth's URL configuration with
every view so wrapped (``allauth_urlpatterns()``), mounted at ``/comptes/`` in place of ``allauth.urls`` (same
paths and names)."""

from functools import wraps

from django import forms
from django.urls import URLPattern, URLResolver


def _shows_form_errors(response) -> bool:
    context = getattr(response, "context_data", None) or {}
    return any(isinstance(value, forms.BaseForm) and value.is_bound and value.errors for value in context.values())


def with_form_status(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "POST" and response.status_code == 200 and _shows_form_errors(response):
            response.status_code = 400
        return response

    return wrapped


def _wrap(patterns) -> list:
    wrapped = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            wrapped.append(URLResolver(pattern.pattern, _wrap(pattern.url_patterns), pattern.default_kwargs,
                                       pattern.app_name, pattern.namespace))
        elif isinstance(pattern, URLPattern):
            wrapped.append(URLPattern(pattern.pattern, with_form_status(pattern.callback), pattern.default_args,
                                      pattern.name))
        else:
            wrapped.append(pattern)
    return wrapped


def allauth_urlpatterns() -> list:
    from allauth import urls

    return _wrap(urls.urlpatterns)
