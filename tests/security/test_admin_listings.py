"""Every admin listing without URL arguments answers 200 to an administrator and to a moderator (or
refuses the moderator cleanly): a broken button or column in one of them is a 500 otherwise found by
a user."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _admin_index_urls():
    urls = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, ns)
            elif (isinstance(pattern, URLPattern) and pattern.name in ("index", "report")
                  and not pattern.pattern.regex.groups):
                try:
                    url = reverse(f"{namespace}{pattern.name}")
                except Exception:  # noqa: BLE001 - a name needing arguments
                    continue
                if url.startswith("/admin/"):
                    urls.add(url)

    walk(get_resolver().url_patterns)
    return sorted(urls)


def test_the_crawl_finds_the_apps_admin_listings():
    urls = _admin_index_urls()
    for expected in ("/admin/echanges/espaces/", "/admin/groupes-regionaux/", "/admin/membres/liste/"):
        assert expected in urls
    assert len(urls) >= 15


def test_every_admin_listing_renders_for_administrators_and_moderators(client, admin_user, moderator):
    UserFactory.create_batch(3)
    failures = []
    for user in (admin_user, moderator):
        client.force_login(user)
        for url in _admin_index_urls():
            status = client.get(url).status_code
            if status >= 500 or (user is admin_user and status not in (200, 302)):
                failures.append((user.email, url, status))
    assert not failures
