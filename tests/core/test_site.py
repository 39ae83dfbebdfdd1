"""The site's frame: home page, footer pages, error pages, security headers, health."""


import pytest
from wagtail.models import Site

from comcep.core.models import HomePage, StandardPage

pytestmark = pytest.mark.django_db


def test_home_page_is_the_default_site_root_and_speaks_french(client):
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert "Rejoindre la communauté" in html


def test_layout_has_skip_link_landmarks_and_navigation(client):
    html = client.get("/").content.decode()
    assert 'class="skip-link" href="#contenu"' in html
    assert '<main id="contenu"' in html
    assert 'role="banner"' in html and 'role="contentinfo"' in html
    for label in ("Ressources", "Espaces d'échanges", "Recherche", "Se connecter"):
        assert label in html


@pytest.mark.parametrize("slug", ["mentions-legales", "accessibilite", "charte"])
def test_footer_pages_exist_and_render(client, slug):
    assert StandardPage.objects.filter(slug=slug).exists()
    response = client.get(f"/{slug}/")
    assert response.status_code == 200
    assert f'href="/{slug}/"' in response.content.decode()


def test_unknown_page_is_a_french_404(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_public_pages_send_a_strict_content_security_policy(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]



def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/")
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/comptes/login/?next=/admin/")


def test_a_member_without_admin_access_gets_a_french_403_not_a_redirect_loop(client, member):
    client.force_login(member)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) <= 2
    assert "Administration réservée" in response.content.decode()
    # and coming back from the login page with next=/admin/ ends there too
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 403


def test_admin_login_gate_ignores_offsite_next(client, moderator):
    client.force_login(moderator)
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_an_english_browser_still_gets_a_whole_french_page(client):
    html = client.get("/comptes/login/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="fr">' in html
    assert "Mot de passe" in html and "Password" not in html


def test_the_language_cookie_switches_language(client):
    client.cookies["django_language"] = "en"
    response = client.get("/comptes/login/")
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()


@pytest.mark.parametrize("url", ["/ressources/%00/", "/echanges/vae%00/", "/mentions-legales%00/"])
def test_nul_bytes_in_paths_get_a_french_400_before_any_query(client, member, url):
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 400
    assert "Requête invalide" in response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("url", ["/echanges/mentions/?q=%00", "/annuaire/?q=x%00", "/ressources/?theme=%00",
                                 "/agenda/?region=%00"])
def test_nul_bytes_in_query_strings_never_reach_the_database(client, member, url):
    client.force_login(member)
    assert client.get(url, follow=True).status_code < 500


def test_the_default_site_is_the_public_address_so_full_urls_and_the_sitemap_use_it(client, settings):
    """Wagtail builds full URLs (the sitemap's, ``page.full_url``) from the Site record: it must say SITE_URL's
    host, not the localhost placeholder earlier versions created (a sitemap of http://localhost/ addresses)."""
    from comcep.core.site_setup import ensure_site_structure

    settings.SITE_URL = "https://comcep.example.fr"
    Site.objects.filter(is_default_site=True).update(hostname="localhost", port=80)  # an earlier version's site
    ensure_site_structure()
    site = Site.objects.get(is_default_site=True)
    assert site.root_url == "https://comcep.example.fr"
    assert StandardPage.objects.get(slug="charte").full_url == "https://comcep.example.fr/charte/"
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "<loc>https://comcep.example.fr/charte/</loc>" in sitemap and "localhost" not in sitemap


def test_an_address_the_operator_gave_the_site_is_kept(settings):
    from comcep.core.site_setup import ensure_site_structure

    settings.SITE_URL = "https://comcep.example.fr"
    Site.objects.filter(is_default_site=True).update(hostname="www.comcep.example.fr", port=443)
    ensure_site_structure()
    assert Site.objects.get(is_default_site=True).root_url == "https://www.comcep.example.fr"


def test_the_placeholder_is_left_when_another_site_already_has_the_public_address(settings):
    """An operator who added a site for SITE_URL's address beside the placeholder: ``migrate`` must not fail on
    Wagtail's unique (hostname, port)."""
    from comcep.core.site_setup import ensure_site_structure

    settings.SITE_URL = "https://comcep.example.fr"
    default = Site.objects.get(is_default_site=True)
    Site.objects.filter(pk=default.pk).update(hostname="localhost", port=80)
    Site.objects.create(hostname="comcep.example.fr", port=443, root_page=default.root_page, site_name="Autre")
    ensure_site_structure()
    assert Site.objects.get(is_default_site=True).root_url == "http://localhost"
