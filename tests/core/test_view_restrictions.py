"""OneQueryViewRestrictionsMixin.get_view_restrictions: the restrictions Wagtail's own method finds
(the page's and its ancestors', an alias's through its source), iterated through a query compiled
once; what the admin does with it (exists(), order_by()) still works on the ORM queryset."""

import pytest
from wagtail.models import Page, PageViewRestriction

from comcep.core import routecache
from comcep.core.models import HomePage
from tests.factories.resources import ResourcePageFactory, library

pytestmark = pytest.mark.django_db


def _ids(restrictions):
    return sorted(restriction.pk for restriction in restrictions)


def _wagtails(page):
    return _ids(Page.get_view_restrictions(page))


def test_same_restrictions_as_wagtail_for_each_page(django_assert_num_queries):
    home, index = HomePage.objects.get(), library()
    resource = ResourcePageFactory(title="Fiche protégée")
    other = ResourcePageFactory(title="Fiche libre")
    pages = [home, index, resource, other]
    for page in pages:
        assert _ids(page.get_view_restrictions()) == _wagtails(page) == []
    on_library = PageViewRestriction.objects.create(page=index, restriction_type=PageViewRestriction.LOGIN)
    on_resource = PageViewRestriction.objects.create(page=resource, restriction_type=PageViewRestriction.PASSWORD,
                                                     password="secret")
    expected = {home.pk: [], index.pk: [on_library.pk], resource.pk: sorted([on_library.pk, on_resource.pk]),
                other.pk: [on_library.pk]}
    # Pages of different depths in alternation: one compiled shape per depth, never mixed up; read from
    # the database once, then from the process's cache (comcep.core.routecache) while nothing changes.
    routecache.invalidate()
    for page in [resource, home, index, other]:
        with django_assert_num_queries(1):
            found = _ids(page.get_view_restrictions())
        assert found == _wagtails(page) == expected[page.pk]
    for page in [resource, home, index, other, resource, index, home]:
        with django_assert_num_queries(0):
            found = _ids(page.get_view_restrictions())
        assert found == _wagtails(page) == expected[page.pk]


def test_an_alias_has_its_sources_restrictions():
    source = ResourcePageFactory(title="Fiche source")
    alias = source.create_alias(update_slug="fiche-alias")
    restriction = PageViewRestriction.objects.create(page=source, restriction_type=PageViewRestriction.LOGIN)
    alias = Page.objects.get(pk=alias.pk).specific
    assert _ids(alias.get_view_restrictions()) == _wagtails(alias) == [restriction.pk]


def test_the_admins_queryset_methods_still_work():
    index = library()
    resource = ResourcePageFactory(title="Fiche")
    on_library = PageViewRestriction.objects.create(page=index, restriction_type=PageViewRestriction.LOGIN)
    restrictions = resource.get_view_restrictions()
    assert restrictions.exists()
    assert [r.pk for r in restrictions.order_by("-page__depth")] == [on_library.pk]
    assert len(restrictions) == 1 and bool(restrictions)


def test_a_restricted_library_sends_visitors_to_the_login_page(client):
    resource = ResourcePageFactory(title="Fiche réservée")
    PageViewRestriction.objects.create(page=library(), restriction_type=PageViewRestriction.LOGIN)
    for path in ("/ressources/", resource.url):
        response = client.get(path)
        assert response.status_code == 302
        assert "next=" in response["Location"]
