"""comcep.core.routecache: the site, the one-level section pages and the view restrictions of Wagtail
pages are read once per process and version; every change an editor makes is seen on the next
request, in this process and (through the shared version token) in the others."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction, Site

from comcep.core import routecache
from comcep.events.models import EventIndexPage
from tests.factories.resources import ResourcePageFactory, library

pytestmark = pytest.mark.django_db

ROUTING_TABLES = ('"wagtailcore_site"', '"wagtailcore_pageviewrestriction"', '"resources_resourceindexpage"',
                  '"events_eventindexpage"')


def _get(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    routing = [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in ROUTING_TABLES)]
    return response, routing


@pytest.mark.parametrize("path", ["/", "/ressources/", "/agenda/"])
def test_a_second_request_reads_no_routing_row(client, member, path):
    client.force_login(member)
    first, routing = _get(client, path)
    assert first.status_code == 200 and routing  # read from the database once...
    second, routing = _get(client, path)
    assert second.status_code == 200 and routing == []  # ...then from the process's cache
    assert _without_tokens(second) == _without_tokens(first)


def _without_tokens(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_an_edit_by_a_moderator_in_the_admin_shows_on_the_next_request(client, moderator):
    from wagtail.test.utils.form_data import nested_form_data, rich_text

    agenda = EventIndexPage.objects.get()
    assert "MARQUEUR-AGENDA" not in client.get("/agenda/").content.decode()
    assert client.get("/agenda/").status_code == 200  # cached now
    client.force_login(moderator)
    response = client.post(f"/admin/pages/{agenda.pk}/edit/", nested_form_data({
        "title": agenda.title, "slug": agenda.slug, "intro": rich_text("<p>MARQUEUR-AGENDA</p>"),
        "action-publish": "action-publish",
    }))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    client.logout()
    assert "MARQUEUR-AGENDA" in client.get("/agenda/").content.decode()


def test_a_published_revision_a_title_and_an_unpublished_page_show_at_once(client, moderator):
    index = library()
    assert client.get("/ressources/").status_code == 200
    index.intro = "MARQUEUR-BIBLIOTHÈQUE"
    index.save_revision(user=moderator).publish(user=moderator)
    assert "MARQUEUR-BIBLIOTHÈQUE" in client.get("/ressources/").content.decode()
    index.refresh_from_db()
    index.unpublish(user=moderator)
    assert client.get("/ressources/").status_code == 404
    index.save_revision(user=moderator).publish(user=moderator)
    assert client.get("/ressources/").status_code == 200


def test_a_new_view_restriction_applies_on_the_next_request(client):
    resource = ResourcePageFactory(title="Fiche bientôt réservée")
    for path in ("/ressources/", resource.url):
        assert client.get(path).status_code == 200
        assert client.get(path).status_code == 200  # cached as unrestricted
    restriction = PageViewRestriction.objects.create(page=library(), restriction_type=PageViewRestriction.LOGIN)
    for path in ("/ressources/", resource.url):
        assert client.get(path).status_code == 302
    restriction.delete()
    for path in ("/ressources/", resource.url):
        assert client.get(path).status_code == 200


def test_a_moved_or_renamed_section_is_found_at_its_new_address(client, admin_user):
    index = library()
    assert client.get("/ressources/").status_code == 200
    index.slug = "bibliotheque"
    index.save_revision(user=admin_user).publish(user=admin_user)
    assert client.get("/ressources/").status_code == 404
    assert client.get("/bibliotheque/").status_code == 200


def test_a_site_edit_is_seen_at_once(client, settings):
    settings.ALLOWED_HOSTS = ["localhost", "testserver", "ailleurs.example"]
    home, index = Site.objects.get(is_default_site=True).root_page, library()
    assert client.get("/", HTTP_HOST="ailleurs.example").context["page"].pk == home.pk  # the default site
    assert client.get("/", HTTP_HOST="ailleurs.example").context["page"].pk == home.pk  # cached
    other = Site.objects.create(hostname="ailleurs.example", port=80, root_page=index)
    assert client.get("/", HTTP_HOST="ailleurs.example").context["page"].pk == index.pk
    other.root_page = home
    other.save()
    assert client.get("/", HTTP_HOST="ailleurs.example").context["page"].pk == home.pk
    other.delete()
    assert client.get("/", HTTP_HOST="ailleurs.example").context["page"].pk == home.pk


def test_another_process_change_is_seen_through_the_shared_token(client):
    """A change made in another process reaches this one only through the version token in the shared
    cache: without a new token this process keeps its copy; with one, it reads the database again."""
    index = library()
    assert "MARQUEUR-AUTRE" not in client.get("/ressources/").content.decode()
    # Another process's edit: the row changes without this process's signals...
    type(index).objects.filter(pk=index.pk).update(intro="MARQUEUR-AUTRE")
    assert "MARQUEUR-AUTRE" not in client.get("/ressources/").content.decode()
    # ...and its invalidate() replaces the shared token (this process's entries stay in memory).
    cache.set(routecache.VERSION_KEY, "token-of-another-process", None)
    assert "MARQUEUR-AUTRE" in client.get("/ressources/").content.decode()


def test_the_token_changes_again_after_commit(django_capture_on_commit_callbacks):
    cache.delete(routecache.VERSION_KEY)
    seen = [routecache._version()]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        routecache.invalidate()
        seen.append(routecache._version())
    assert len(callbacks) == 1
    callbacks[0]()
    seen.append(routecache._version())
    assert len(set(seen)) == 3


def test_each_request_gets_its_own_copy(rf):
    from comcep.core import sites

    first = sites.get_site_for_hostname("localhost", 80)
    second = sites.get_site_for_hostname("localhost", 80)
    assert first is not second and first.root_page is not second.root_page
    assert first.root_page.specific is not second.root_page.specific
    first.root_page.specific.title = "modifié par une requête"
    assert second.root_page.specific.title != "modifié par une requête"
    assert sites.get_site_for_hostname("localhost", 80).root_page.specific.title != "modifié par une requête"
