"""The security headers every response carries (comcep/core/middleware.py): the exact Content Security
Policy of the public site and of the Wagtail admin, the Permissions-Policy, and django-csp's per-view
decorators, nonce and report-only policy, which still work although the plain header is built once and
reused."""

import re

import pytest
from csp.constants import NONCE
from csp.decorators import csp_exempt, csp_replace, csp_update
from csp.exceptions import CSPNonceError
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory, override_settings
from django.urls import path

from comcep.core.middleware import ContentSecurityPolicyMiddleware
from comcep.urls import urlpatterns as site_urlpatterns

FRAMES = ["https://www.youtube-nocookie.com", "https://player.vimeo.com", "https://www.dailymotion.com"]
PUBLIC = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "media-src": ["'self'"],
    "frame-src": FRAMES,
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
ADMIN = {
    **PUBLIC,
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "frame-src": ["'self'", *FRAMES],
    "frame-ancestors": ["'self'"],
}
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def directives(header):
    parts = [d.strip().split() for d in header.split(";")]
    result = {d[0]: d[1:] for d in parts}
    assert len(result) == len(parts), "a directive appears twice"
    return result


# Views for the cases no page of the site uses today: the nonce in a template, django-csp's decorators.
_NONCE_TEMPLATE = "<script nonce=\"{{ request.csp_nonce }}\">let ok = 1;</script><p>{{ CSP_NONCE }}</p>"


def _render_nonce(request):
    return HttpResponse(engines["django"].from_string(_NONCE_TEMPLATE).render({}, request))


@csp_update({"script-src": [NONCE]})
def _nonce_allowed(request):
    return _render_nonce(request)


@csp_update({"img-src": ["https://tiles.example.org"]})
def _updated(request):
    return HttpResponse("ok")


@csp_replace({"frame-src": ["https://video.example.org"]})
def _replaced(request):
    return HttpResponse("ok")


@csp_exempt()
def _exempt(request):
    return HttpResponse("ok")


def _own_header(request):
    response = HttpResponse("ok")
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


def _plain(request):
    return HttpResponse("ok")


urlpatterns = [
    path("__csp__/nonce/", _render_nonce),
    path("__csp__/nonce-allowed/", _nonce_allowed),
    path("__csp__/updated/", _updated),
    path("__csp__/replaced/", _replaced),
    path("__csp__/exempt/", _exempt),
    path("__csp__/own-header/", _own_header),
    path("__csp__/plain/", _plain),
    path("admin/__csp__/plain/", _plain),
    *site_urlpatterns,
]
views = override_settings(ROOT_URLCONF=__name__)


@pytest.mark.django_db
def test_public_pages_carry_exactly_the_public_policy_and_the_permissions_policy(client, member):
    for response in (client.get("/"), client.get("/ressources/"), client.get("/page-inexistante/")):
        assert directives(response["Content-Security-Policy"]) == PUBLIC
        assert response["Permissions-Policy"] == PERMISSIONS
        assert "Content-Security-Policy-Report-Only" not in response
    client.force_login(member)
    response = client.get("/")
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == PUBLIC


@pytest.mark.django_db
def test_admin_pages_carry_exactly_the_admin_policy(client, admin_user):
    assert directives(client.get("/admin/login/")["Content-Security-Policy"]) == ADMIN  # a redirect too
    client.force_login(admin_user)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == ADMIN
    assert response["Permissions-Policy"] == PERMISSIONS
    # The same middleware instance answers both areas one after the other: neither header leaks.
    assert directives(client.get("/")["Content-Security-Policy"]) == PUBLIC
    assert directives(client.get("/admin/")["Content-Security-Policy"]) == ADMIN


@views
@pytest.mark.django_db
def test_a_drawn_nonce_is_not_a_source_of_the_policy(client):
    # Our policies have no nonce source: a template that reads the nonce gets one, but the header stays the
    # public policy, so an inline script stays blocked.
    response = client.get("/__csp__/nonce/")
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    assert nonce and f"<p>{nonce}</p>" in response.content.decode()
    assert directives(response["Content-Security-Policy"]) == PUBLIC
    assert "nonce-" not in response["Content-Security-Policy"]


@views
@pytest.mark.django_db
def test_a_view_that_adds_the_nonce_source_gets_the_nonce_of_its_page(client):
    seen = set()
    for _ in range(2):
        response = client.get("/__csp__/nonce-allowed/")
        nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
        assert directives(response["Content-Security-Policy"]) == {
            **PUBLIC, "script-src": ["'self'", f"'nonce-{nonce}'"]}
        seen.add(nonce)
    assert len(seen) == 2, "a fresh nonce per response"
    assert directives(client.get("/__csp__/plain/")["Content-Security-Policy"]) == PUBLIC


@views
@pytest.mark.django_db
def test_django_csp_decorators_are_honoured(client):
    assert directives(client.get("/__csp__/updated/")["Content-Security-Policy"]) == {
        **PUBLIC, "img-src": ["'self'", "data:", "https://tiles.example.org"]}
    assert directives(client.get("/__csp__/replaced/")["Content-Security-Policy"]) == {
        **PUBLIC, "frame-src": ["https://video.example.org"]}
    response = client.get("/__csp__/exempt/")
    assert "Content-Security-Policy" not in response
    assert response["Permissions-Policy"] == PERMISSIONS
    assert client.get("/__csp__/own-header/")["Content-Security-Policy"] == "default-src 'none'"
    # and the next plain responses are the plain policies again
    assert directives(client.get("/__csp__/plain/")["Content-Security-Policy"]) == PUBLIC
    assert directives(client.get("/admin/__csp__/plain/")["Content-Security-Policy"]) == ADMIN


@views
@pytest.mark.django_db
def test_a_report_only_policy_is_sent_when_configured(client):
    assert "Content-Security-Policy-Report-Only" not in client.get("/__csp__/plain/")
    report_only = {"DIRECTIVES": {"default-src": ["'none'"], "report-uri": "/csp-report/"}}
    with override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY=report_only):
        response = client.get("/__csp__/plain/")
    assert response["Content-Security-Policy-Report-Only"] == "default-src 'none'; report-uri /csp-report/"
    assert directives(response["Content-Security-Policy"]) == PUBLIC


@views
@pytest.mark.django_db
def test_excluded_url_prefixes_of_the_csp_setting_are_honoured(client):
    with override_settings(CONTENT_SECURITY_POLICY={"EXCLUDE_URL_PREFIXES": ["/__csp__/"], "DIRECTIVES": {}}):
        assert "Content-Security-Policy" not in client.get("/__csp__/plain/")
        assert directives(client.get("/")["Content-Security-Policy"]) == PUBLIC


def test_reading_the_nonce_after_the_header_is_written_fails_loudly():
    request = RequestFactory().get("/")
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("ok"))
    response = middleware(request)
    assert directives(response["Content-Security-Policy"]) == PUBLIC
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_debug_error_pages_are_left_without_policy():
    # django-csp leaves Django's debug 404/500 pages (inline styles) alone when DEBUG is on.
    request = RequestFactory().get("/")
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("missing", status=404))
    with override_settings(DEBUG=True):
        assert "Content-Security-Policy" not in middleware(request)
    assert directives(middleware(RequestFactory().get("/"))["Content-Security-Policy"]) == PUBLIC


@views
@pytest.mark.django_db
def test_with_a_nonce_source_in_the_policy_only_pages_that_used_the_nonce_carry_it(client, monkeypatch):
    # Should our policy ever allow nonced inline scripts: the page that read the nonce gets it in its
    # header, the one that did not gets the policy without the nonce source.
    from comcep.core import middleware

    monkeypatch.setitem(middleware.PUBLIC_POLICY, "script-src", ["'self'", NONCE])
    response = client.get("/__csp__/nonce/")
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    assert directives(response["Content-Security-Policy"])["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert directives(client.get("/__csp__/plain/")["Content-Security-Policy"]) == PUBLIC
