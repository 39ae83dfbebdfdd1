"""Wagtail's site lookup runs compiled once (comcep.core.sites) and must choose the very site
Wagtail's own function chooses, whatever the sites configured, and read edits at once."""

import pytest
from django.test import RequestFactory
from wagtail.models import Page, Site
from wagtail.models import sites as wagtail_sites

from comcep.core import sites

pytestmark = pytest.mark.django_db


def wagtail_choice(hostname, port):
    try:
        return sites._wagtail_get_site_for_hostname(hostname, port).pk
    except Site.DoesNotExist:
        return None


def our_choice(hostname, port):
    try:
        return sites.get_site_for_hostname(hostname, port).pk
    except Site.DoesNotExist:
        return None


LOOKUPS = [("localhost", 80), ("localhost", "80"), ("localhost", 8000), ("ailleurs.example", 80),
           ("events.example", 80), ("events.example", 8080), ("events.example", "8080"), ("docs.example", 443),
           ("docs.example", 80), ("", 80)]


def test_wagtail_calls_the_compiled_lookup():
    assert wagtail_sites.get_site_for_hostname is sites.get_site_for_hostname


@pytest.mark.parametrize("setup", ["default only", "several hostnames", "two on one hostname", "no default"])
def test_the_same_site_as_wagtail_for_every_kind_of_match(setup):
    root = Page.objects.get(depth=1)
    default = Site.objects.get(is_default_site=True)
    if setup in ("several hostnames", "two on one hostname", "no default"):
        Site.objects.create(hostname="events.example", port=8080, root_page=root)
        Site.objects.create(hostname="docs.example", port=443, root_page=root)
    if setup == "two on one hostname":
        Site.objects.create(hostname="events.example", port=80, root_page=root)
    if setup == "no default":
        default.delete()
    for hostname, port in LOOKUPS:
        assert our_choice(hostname, port) == wagtail_choice(hostname, port), (setup, hostname, port)


def test_a_site_edited_in_the_admin_is_read_at_once():
    root = Page.objects.get(depth=1)
    other = Site.objects.create(hostname="events.example", port=80, root_page=root)
    assert sites.get_site_for_hostname("events.example", 80).pk == other.pk
    other.hostname = "agenda.example"
    other.save()
    assert sites.get_site_for_hostname("events.example", 80).is_default_site
    assert sites.get_site_for_hostname("agenda.example", 80).pk == other.pk


def test_a_request_finds_its_site_with_its_root_page_loaded(django_assert_num_queries):
    request = RequestFactory().get("/", HTTP_HOST="localhost")
    with django_assert_num_queries(1):
        site = Site.find_for_request(request)
        assert site.root_page.depth >= 1  # select_related: no second query
    assert site.pk == Site.objects.get(is_default_site=True).pk


def test_a_parameter_the_backend_wraps_is_wrapped_again_with_the_real_value():
    """PostgreSQL's backend passes integers compared inside CASE WHEN as psycopg's Int4 (an int
    subclass): the prepared query must put the real value in the same wrapper, not refuse it."""
    from comcep.core.prepared import _wrapped_slot

    class Wrapped(int):
        pass

    sentinels = [{"port": -7, "hostname": "a"}, {"port": -8, "hostname": "b"}]
    params = {"hostname": str, "port": int}
    assert _wrapped_slot(3, Wrapped(-7), Wrapped(-8), sentinels, params) == (3, "port", Wrapped)
    assert _wrapped_slot(3, Wrapped(-7), -8, sentinels, params) is None  # not the same wrapper twice
    assert _wrapped_slot(3, Wrapped(5), Wrapped(6), sentinels, params) is None  # a constant, not a sentinel


def test_the_root_pages_specific_instance_comes_with_the_site(django_assert_num_queries):
    from comcep.core.models import HomePage

    with django_assert_num_queries(1):
        site = sites.get_site_for_hostname("localhost", 80)
        home = site.root_page.specific
    assert type(home) is HomePage
    expected = HomePage.objects.get(pk=site.root_page_id)
    for field in HomePage._meta.concrete_fields:
        assert getattr(home, field.attname) == getattr(expected, field.attname), field.name
    # A root page of another type: Wagtail's own lookup, when asked.
    other = Site.objects.create(hostname="events.example", port=80, root_page=Page.objects.get(depth=1))
    site = sites.get_site_for_hostname("events.example", 80)
    assert site.pk == other.pk and type(site.root_page.specific) is Page


def test_an_edited_home_page_is_read_at_once(client):
    from comcep.core.models import HomePage

    home = HomePage.objects.get()
    home.intro = "<p>MARQUEUR-ACCUEIL-MODIFIÉ</p>"
    home.save_revision().publish()
    assert "MARQUEUR-ACCUEIL-MODIFIÉ" in client.get("/").content.decode()
