"""Security headers: a strict Content Security Policy on the public site, a looser one
for the Wagtail admin (which still needs inline styles and scripts), and a
Permissions-Policy header."""

import http.client

from csp.constants import HEADER, NONE, SELF
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings

PUBLIC_POLICY = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "media-src": [SELF],
    "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com", "https://www.dailymotion.com"],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}

# The Wagtail admin ships inline scripts/styles and previews pages in iframes of the same origin.
ADMIN_POLICY = {
    **PUBLIC_POLICY,
    "script-src": [SELF, "'unsafe-inline'"],
    "style-src": [SELF, "'unsafe-inline'"],
    "img-src": [SELF, "data:", "blob:"],
    "frame-src": [SELF, *PUBLIC_POLICY["frame-src"]],
    "frame-ancestors": [SELF],
}


# What django-csp's decorators (csp_exempt, csp_update, csp_replace, csp_override and their
# report-only variants) leave on a response.
_PER_VIEW_ATTRIBUTES = frozenset({
    "_csp_exempt", "_csp_exempt_ro", "_csp_config", "_csp_config_ro",
    "_csp_update", "_csp_update_ro", "_csp_replace", "_csp_replace_ro",
})
_DEBUG_EXEMPT_CODES = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with our two policies. The header of a response that needs
    nothing special (no nonce drawn, no per-view decorator, no CONTENT_SECURITY_POLICY* setting)
    is always one of the two same strings: it is built once, by django-csp's own build_policy,
    and reused; anything else goes through django-csp's process_response, which rebuilds the
    policy (with a deep copy of it by ``dataclasses.asdict``) twice per response."""

    def __init__(self, get_response):
        super().__init__(get_response)
        self._headers = {}  # admin? -> the header as django-csp builds it

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        if parts.config is None:
            admin = request.path_info.startswith("/admin/")
            parts = PolicyParts(
                config=ADMIN_POLICY if admin else PUBLIC_POLICY,
                update=parts.update,
                replace=parts.replace,
                nonce=parts.nonce,
            )
        return parts

    def process_response(self, request, response):
        if self._plain(request, response):
            self._set_plain_header(request, response)
        else:
            response = super().process_response(request, response)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response

    @staticmethod
    def _plain(request, response):
        return (
            getattr(request, "_csp_nonce", None) is None
            and _PER_VIEW_ATTRIBUTES.isdisjoint(response.__dict__)
            and not getattr(settings, "CONTENT_SECURITY_POLICY", None)
            and not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        )

    def _set_plain_header(self, request, response):
        """What CSPMiddleware.process_response does when nothing is special: the enforced header
        unless the view set one (no report-only header: none is configured), and the trap that
        makes a late ``request.csp_nonce`` fail loudly."""
        if response.status_code in _DEBUG_EXEMPT_CODES and settings.DEBUG:
            return
        if HEADER not in response:
            admin = request.path_info.startswith("/admin/")
            header = self._headers.get(admin)
            if header is None:
                header = self._headers[admin] = build_policy(config=ADMIN_POLICY if admin else PUBLIC_POLICY)
            response[HEADER] = header
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)


class ExplicitLocaleMiddleware:
    """French unless the visitor chose another language (the language cookie set by Django's
    ``set_language`` view). Unlike Django's LocaleMiddleware, the browser's Accept-Language is
    ignored: our own strings are French, and mixing them with the English strings of Django,
    Wagtail and allauth would give half-translated pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class RejectNullBytesMiddleware:
    """A NUL byte in the URL path is never legitimate, and PostgreSQL refuses it in any text value
    (Wagtail's page routing looks slugs up in the database): answer 400 before any view runs.
    Query-string values are each view's to validate (JSON endpoints answer in JSON); form fields
    are covered by Django's ProhibitNullCharactersValidator."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            from django.shortcuts import render

            return render(request, "400.html", status=400)
        return self.get_response(request)
