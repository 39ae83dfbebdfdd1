"""What the forums need to know about Wagtail pages, without importing any app that defines them
(forums must not depend on ``resources``): the generic ``wagtailcore.Page`` is enough."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from wagtail.models import Page, PageViewRestriction, Site

VIEWABLE_VISIBILITIES = {"public", "members"}
# Links of sanitized HTML, except mentions (<a class="mention" href="/annuaire/<id>/">: a member, no page).
_HREF_RE = re.compile(r'<a (?!class="mention")[^>]*?\bhref="([^"]+)"')


def page_is_discussable(page: Page) -> bool:
    """A page approved members may discuss: live, without Wagtail view restrictions, and — when the
    specific page has a ``visibility`` attribute (resource pages do) — public or members-only."""
    if page is None or not page.live or page.depth < 2:
        return False
    if PageViewRestriction.objects.filter(page__in=page.get_ancestors(inclusive=True)).exists():
        return False
    specific = page.specific
    visibility = getattr(specific, "visibility", None)
    return visibility is None or str(visibility) in VIEWABLE_VISIBILITIES


def _site_hosts() -> set[str]:
    hosts = {urlsplit(getattr(settings, "SITE_URL", "") or "").hostname or ""}
    hosts |= set(getattr(settings, "ALLOWED_HOSTS", []) or [])
    return {h for h in hosts if h and h != "*"}


def pages_linked_from(html: str, limit: int = 10) -> list[Page]:
    """Live site pages the sanitized ``html`` links to (relative links or links to this site)."""
    hosts = _site_hosts()
    paths = []
    for href in _HREF_RE.findall(html or ""):
        parts = urlsplit(href.replace("&amp;", "&"))
        if parts.scheme not in ("", "http", "https"):
            continue
        if parts.netloc and parts.hostname not in hosts:
            continue
        if not parts.path.startswith("/"):
            continue
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        if path not in paths:
            paths.append(path)
        if len(paths) >= limit:
            break
    if not paths:
        return []
    site = Site.objects.select_related("root_page").filter(is_default_site=True).first()
    if site is None:
        return []
    root = site.root_page.url_path  # e.g. "/accueil/"
    url_paths = [root + p.lstrip("/") for p in paths]
    pages = Page.objects.live().filter(url_path__in=url_paths).exclude(depth__lte=2)
    return list(pages)
