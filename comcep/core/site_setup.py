"""Ensure the site's fixed structure exists: the home page (root of the default Site)
and the editorial pages the footer links to. Runs after every ``migrate`` (and after
test database flushes), is idempotent and never overwrites edited content.

Apps that need a page of their own under the home page (``/ressources/``,
``/echanges/``...) register it with :func:`register_section_page`.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

FOOTER_PAGES = [
    ("mentions-legales", _("Mentions légales"), _("Éditeur du site, hébergement et données personnelles.")),
    # The full RGAA statement (comcep/core/accessibility_statement.py) as default content.
    ("accessibilite", _("Déclaration d'accessibilité"), None),
    ("charte", _("Charte de la communauté"),
     _("Bienveillance, confidentialité des situations évoquées, respect du secret professionnel, "
       "pas de données personnelles des bénéficiaires.")),
]

_section_pages: list = []


def register_section_page(slug: str, factory) -> None:
    """``factory()`` returns an unsaved Page instance to add under the home page if no
    child with that slug exists."""
    _section_pages.append((slug, factory))


#: The default site's address that earlier versions created whatever SITE_URL said.
PLACEHOLDER_ADDRESS = ("localhost", 80)


def public_address() -> tuple[str, int]:
    """SITE_URL's host name and port, for the default Wagtail Site: Wagtail builds a page's full URL (the
    sitemap's, ``page.full_url``) from the Site record, and the public address is SITE_URL."""
    parts = urlsplit(settings.SITE_URL)
    return parts.hostname or "localhost", parts.port or (443 if parts.scheme == "https" else 80)


@transaction.atomic
def ensure_site_structure() -> None:
    from wagtail.models import Page, Site

    from .models import HomePage, StandardPage

    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        if root is None:
            return
        home = root.add_child(instance=HomePage(title="Comcep", slug="accueil", seo_title=str(_("Accueil"))))
        # Wagtail's initial migration creates a placeholder "Welcome" page: replace it.
        Page.objects.filter(depth=2, content_type__model="page", content_type__app_label="wagtailcore").delete()
    site = Site.objects.filter(is_default_site=True).first()
    hostname, port = public_address()
    if site is None:
        Site.objects.create(hostname=hostname, port=port, root_page=home, is_default_site=True, site_name="Comcep")
    else:
        changed = site.root_page_id != home.pk
        if changed:
            site.root_page = home
            site.site_name = site.site_name or "Comcep"
        if (
            (site.hostname, site.port) == PLACEHOLDER_ADDRESS and (hostname, port) != PLACEHOLDER_ADDRESS
            and not Site.objects.filter(hostname=hostname, port=port).exists()  # an operator's own site keeps it
        ):
            # The placeholder of earlier versions: Wagtail builds full URLs (sitemap, page.full_url) from it.
            site.hostname, site.port = hostname, port
            changed = True
        if changed:
            site.save()

    existing = set(home.get_children().values_list("slug", flat=True))
    for slug, title, text in FOOTER_PAGES:
        if slug not in existing:
            if text is None:
                from .accessibility_statement import statement_body

                body = statement_body()
            else:
                body = [("paragraph", f"<p>{text}</p>")]
            home.add_child(instance=StandardPage(title=str(title), slug=slug, show_in_menus=False, body=body))
    for slug, factory in _section_pages:
        if slug not in existing:
            page = factory()
            page.slug = slug
            home.add_child(instance=page)


def on_post_migrate(sender, **kwargs):
    from django.apps import apps

    # Run once, after the last app of this project has migrated.
    if sender.label != "core" or not apps.is_installed("wagtail"):
        return
    ensure_site_structure()
