"""Wagtail's site lookup, compiled once per process (comcep.core.prepared).

Every Wagtail page request finds its ``Site`` from the request's host and port
(``Site.find_for_request`` → ``wagtail.models.sites.get_site_for_hostname``): an annotated query
that the ORM builds and compiles on each request (~1 ms of CPU, against ~0.05 ms to run it).
:func:`get_site_for_hostname` runs the very same query through a :class:`PreparedQuery` and keeps
Wagtail's choice among the rows; :func:`install` puts it in place of Wagtail's (``CoreConfig.ready``).
The chosen site (with its root page) is kept per process under comcep.core.routecache's version token:
a site or page edited in the admin is read fresh on the next request of every process.
tests/core/test_sites.py compares it with Wagtail's own function for every kind of match.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, When
from wagtail.models import Site
from wagtail.models import sites as wagtail_sites

from . import routecache
from .prepared import PreparedQuery

SITES = PreparedQuery(
    "wagtail.site_for_hostname",
    # wagtail.models.sites.get_site_for_hostname's queryset (Wagtail 8.0), unchanged.
    lambda *, hostname, port: (
        Site.objects.annotate(
            match=Case(
                When(hostname=hostname, port=port, then=wagtail_sites.MATCH_HOSTNAME_PORT),
                When(hostname=hostname, is_default_site=True, then=wagtail_sites.MATCH_HOSTNAME_DEFAULT),
                When(is_default_site=True, then=wagtail_sites.MATCH_DEFAULT),
                default=wagtail_sites.MATCH_HOSTNAME,
                output_field=IntegerField(),
            )
        )
        .filter(Q(hostname=hostname) | Q(is_default_site=True))
        .order_by("match")
        # The root page's HomePage row in the same query: Wagtail's routing asks for
        # ``site.root_page.specific``, which would otherwise be one more ORM-built query per request.
        .select_related("root_page", "root_page__homepage")
    ),
    params={"hostname": str, "port": int},
)

_wagtail_get_site_for_hostname = wagtail_sites.get_site_for_hostname


def get_site_for_hostname(hostname, port):
    """The Site for ``hostname`` and ``port``, chosen exactly as Wagtail chooses it."""
    if isinstance(port, str) and port.isascii() and port.isdigit():
        port = int(port)  # request.get_port() gives a string; the column is an integer
    if not isinstance(hostname, str) or not isinstance(port, int) or isinstance(port, bool):
        return _wagtail_get_site_for_hostname(hostname, port)  # anything else: Wagtail's own path
    site = routecache.get("site", (hostname, port), lambda: _lookup(hostname, port))
    if site is None:
        raise Site.DoesNotExist()
    return _copy(site)


def _copy(site):
    """The cached site, its root page and the root's HomePage instance, copied for one request."""
    site = routecache.fresh(site)
    root = site._state.fields_cache.get("root_page")
    if root is not None:
        root = site._state.fields_cache["root_page"] = routecache.fresh(root)
        home = root.__dict__.get("specific")
        if home is not None:
            home = root.__dict__["specific"] = routecache.fresh(home)
            if "homepage" in root._state.fields_cache:
                root._state.fields_cache["homepage"] = home
    return site


def _lookup(hostname, port):
    sites = SITES.objects(hostname=hostname, port=port)
    if sites:
        # Wagtail's rules: a unique match, or a hostname (with port or default) match...
        if len(sites) == 1 or sites[0].match in (wagtail_sites.MATCH_HOSTNAME_PORT,
                                                 wagtail_sites.MATCH_HOSTNAME_DEFAULT):
            return _with_specific_root(sites[0])
        # ...else the default site, unless exactly one other site has this hostname.
        if sites[0].match == wagtail_sites.MATCH_DEFAULT:
            return _with_specific_root(sites[len(sites) == 2])
    return None


def _with_specific_root(site):
    """``site.root_page.specific`` set to the HomePage loaded with the site, as
    ``Page.get_specific`` would build it (the generic page's other attributes copied over);
    a root page of another type keeps Wagtail's own (one query when asked)."""
    from .models import HomePage

    root = site.root_page
    home = HomePage.page_ptr.field.remote_field.get_cached_value(root, default=None)
    if home is not None and root.specific_class is HomePage:
        for key, value in root.__dict__.items():
            home.__dict__.setdefault(key, value)
        root.__dict__["specific"] = home
    return site


def install() -> None:
    """Route ``Site.find_for_request`` (which calls the module's ``get_site_for_hostname``) here."""
    wagtail_sites.get_site_for_hostname = get_site_for_hostname
