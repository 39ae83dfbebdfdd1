"""Addresses on the public site, for links read outside a page (e-mails, calendars, feeds, GDPR exports).

They are built from ``SITE_URL``, never from Wagtail's Site record (``ensure_site_structure`` creates it as
localhost:80 and nothing sets it to the public host name, so ``page.full_url`` said ``http://localhost/…``)."""

from django.conf import settings


def public_url(path: str) -> str:
    """``path`` (``/agenda/…``, with or without its leading slash) on the public site; a full address (a page
    of another Wagtail site) is returned as it is."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")
