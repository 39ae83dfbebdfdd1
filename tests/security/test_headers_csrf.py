"""CSRF on every state change, security headers on every public page, production cookie flags, and no
user enumeration through sign-up or password reset."""
import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from comcep.accounts.models import User
from tests.factories.resources import ResourcePageFactory

pytestmark = pytest.mark.django_db

# RFC 8058 one-click unsubscribe: mail clients POST without a session or token (docs/notifications.md).
CSRF_EXEMPT_ALLOWED = {"notifications:unsubscribe"}
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            route = str(p.pattern) if isinstance(p.pattern, RoutePattern) else None
            if route is None and str(p.pattern) not in ("^", ""):
                continue  # regex include (e.g. Wagtail's admin internals): covered by the exempt scan below
            yield from _walk(p.url_patterns, prefix + (route or ""), ns)
        elif isinstance(p, URLPattern):
            yield prefix, p, namespace


def _all_views():
    return list(_walk(get_resolver().url_patterns))


def _scan_exempt(patterns, namespace=""):
    for p in patterns:
        if namespace.startswith("wagtailadmin_api:"):
            continue  # Wagtail's read-only admin API (DRF: GET only, session auth enforces CSRF itself)
        if isinstance(p, URLResolver):
            yield from _scan_exempt(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
        elif getattr(p.callback, "csrf_exempt", False):
            yield f"{namespace}{p.name}" if p.name else p.lookup_str


def test_only_the_documented_endpoint_is_exempt_from_csrf():
    assert set(_scan_exempt(get_resolver().url_patterns)) == CSRF_EXEMPT_ALLOWED


def _concrete(route: str) -> str:
    def fill(match):
        return "1" if match.group(1) == "int" else "x"

    return "/" + PARAM.sub(fill, route)


def test_every_route_refuses_a_post_without_csrf_token(member):
    page = ResourcePageFactory(title="Une fiche publique")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    urls = {_concrete(prefix + str(p.pattern)) for prefix, p, _ in _all_views()
            if isinstance(p.pattern, RoutePattern)
            and not getattr(p.callback, "csrf_exempt", False)}
    urls |= {"/", page.url, "/ressources/", "/agenda/", "/actualites/"}  # Wagtail pages (serve view)
    assert len(urls) > 60
    accepted = {}
    for url in sorted(urls):
        response = client.post(url, {"body": "Un message", "title": "Un titre", "action": "x"})
        if response.status_code != 403:
            accepted[url] = response.status_code
    assert accepted == {}, "POST without CSRF token not refused"


def test_unsubscribe_endpoint_is_really_exempt_and_needs_its_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/mon-espace/notifications/desabonnement/jeton-invalide/")
    assert response.status_code in (400, 404)


PUBLIC_PAGES = ["/", "/ressources/", "/agenda/", "/actualites/", "/echanges/", "/recherche/?q=vae",
                "/comptes/login/", "/comptes/signup/", "/comptes/password/reset/", "/page-inexistante/"]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_carry_the_security_headers(client, url):
    response = client.get(url)
    assert response.status_code in (200, 404)
    csp = response["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    script_src = directives.get("script-src", directives["default-src"])
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "'unsafe-inline'" not in directives.get("style-src", directives["default-src"])
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html


def test_production_settings_set_safe_cookie_flags():
    code = (
        "import json, django\n"
        "from django.conf import settings\n"
        "django.setup()\n"
        "print(json.dumps({k: getattr(settings, k) for k in ('SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SECURE',"
        " 'SESSION_COOKIE_SAMESITE', 'SESSION_COOKIE_NAME', 'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_SAMESITE',"
        " 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'DEBUG', 'ACCOUNT_PREVENT_ENUMERATION')}))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "comcep.settings.production",
           "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "comcep.example.fr",
           "DATABASE_URL": "postgres://comcep@127.0.0.1:5432/comcep",
           "CSRF_TRUSTED_ORIGINS": "https://comcep.example.fr"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            cwd=settings.BASE_DIR, timeout=60)
    assert result.returncode == 0, result.stderr
    flags = json.loads(result.stdout.strip().splitlines()[-1])
    assert flags["SESSION_COOKIE_HTTPONLY"] is True
    assert flags["SESSION_COOKIE_SECURE"] is True and flags["CSRF_COOKIE_SECURE"] is True
    assert flags["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert flags["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert flags["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert flags["DEBUG"] is False and flags["ACCOUNT_PREVENT_ENUMERATION"] is True
    assert flags["SECURE_HSTS_SECONDS"] > 0


def _normalise(html: str, email: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.replace(email, "ADRESSE")


def test_password_reset_does_not_reveal_whether_an_address_has_an_account(client, member):
    known = client.post("/comptes/password/reset/", {"email": member.email}, follow=True)
    unknown = client.post("/comptes/password/reset/", {"email": "personne@example.fr"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200
    assert _normalise(known.content.decode(), member.email) == _normalise(unknown.content.decode(),
                                                                          "personne@example.fr")
    # Both get an e-mail (the unknown address is told no account exists): same outcome for an observer.
    assert {m.to[0] for m in mail.outbox} == {member.email, "personne@example.fr"}


def test_signup_with_an_existing_address_looks_like_a_new_sign_up(client, member):
    data = {"password1": "Un-mot-de-passe-solide-2026", "password2": "Un-mot-de-passe-solide-2026",
            "display_name": "Quelqu'un", "organisation": "Apec", "operator": member.operator.slug,
            "region": member.region.slug}
    existing = Client().post("/comptes/signup/", {**data, "email": member.email}, follow=True)
    new = Client().post("/comptes/signup/", {**data, "email": "nouvelle@example.fr"}, follow=True)
    assert [url for url, _ in existing.redirect_chain] == [url for url, _ in new.redirect_chain]
    assert existing.status_code == new.status_code == 200
    assert existing.redirect_chain, "the sign-up was refused"
    assert _normalise(existing.content.decode(), member.email) == _normalise(new.content.decode(),
                                                                             "nouvelle@example.fr")
    assert User.objects.filter(email=member.email).count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.email, "nouvelle@example.fr"])
