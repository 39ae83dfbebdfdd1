"""Security headers: a strict Content Security Policy on the public site, a looser one
for the Wagtail admin (which still needs inline styles and scripts), and a
Permissions-Policy header."""

from csp.constants import NONE, SELF
from csp.middleware import CSPMiddleware, PolicyParts
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


class ContentSecurityPolicyMiddleware(CSPMiddleware):
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
        response = super().process_response(request, response)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


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
