"""A resource page's own row, its chain of pages, its documents and its related links are kept per process
under the routing version (comcep.core.routecache): a second request reads none of them, and every change
a reader could see shows on the next request: publishing, unpublishing, moving, visibility, restrictions,
scheduled expiry, documents, and what changes without a page save (votes, bookmarks, a renamed region or
member, an anonymised author)."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from comcep.taxonomy.models import Region
from resources import gdpr
from resources.models import ResourcePage
from tests.factories import UserFactory
from tests.factories.resources import ResourcePageFactory, library, make_document

pytestmark = pytest.mark.django_db

KEPT_TABLES = ('"wagtailcore_page"', '"resources_resourcepagedocument"')


def _get(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in KEPT_TABLES)]


def _html(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def _text(client, page_or_url):
    url = page_or_url if isinstance(page_or_url, str) else page_or_url.url
    return client.get(url).content.decode()


@pytest.fixture
def resource(themes):
    region = Region.objects.create(slug="region-gardee", name="Région Gardée")
    author = UserFactory(display_name="Autrice Initiale")
    document = make_document("fiche.pdf", title="Document initial")
    page = ResourcePageFactory(title="Fiche gardée", themes=[themes["vae"]], region=region, author=author,
                               documents=[document])
    ResourcePageFactory(title="Fiche voisine", themes=[themes["vae"]])
    return ResourcePage.objects.get(pk=page.pk)


@pytest.mark.parametrize("reader", ["anonymous", "member"])
def test_a_second_request_reads_no_page_row_and_gives_the_same_html(client, resource, member, reader):
    if reader == "member":
        client.force_login(member)
    first, kept = _get(client, resource.url)
    assert first.status_code == 200 and kept  # read from the database once...
    second, kept = _get(client, resource.url)
    assert second.status_code == 200 and kept == []  # ...then from the process's memory
    assert _html(second) == _html(first)
    for shown in ("Fiche gardée", "Région Gardée", "Autrice Initiale", "Document initial", "Fiche voisine"):
        assert shown in _html(second)


def test_votes_and_bookmarks_show_at_once(client, resource, member):
    client.force_login(member)
    assert "Aucun membre n'a encore signalé" in _text(client, resource)
    _text(client, resource)  # kept now
    client.post(f"/ressources-actions/{resource.pk}/utile/")
    client.post(f"/ressources-actions/{resource.pk}/favori/")
    html = _text(client, resource)
    assert "1 membre a trouvé cette ressource utile" in html
    assert "Retirer de mes favoris" in html and "Utile ✓ (retirer mon vote)" in html
    client.force_login(UserFactory())
    html = _text(client, resource)
    assert "1 membre a trouvé cette ressource utile" in html and "Ajouter à mes favoris" in html


def test_a_renamed_region_and_member_show_at_once(client, resource):
    _text(client, resource)
    _text(client, resource)
    Region.objects.filter(slug="region-gardee").update(name="Région Renommée")  # no signal at all
    resource.author.display_name = "Autrice Renommée"
    resource.author.save()
    html = _text(client, resource)
    assert "Région Renommée" in html and "Autrice Renommée" in html


def test_an_anonymised_author_shows_at_once(client, resource):
    _text(client, resource)
    _text(client, resource)
    gdpr.anonymise(resource.author)
    html = _text(client, resource)
    assert "Autrice Initiale" not in html and gdpr.DELETED_MEMBER in html


def test_a_published_revision_a_move_and_an_unpublished_page_show_at_once(client, resource, moderator):
    old_url = resource.url
    _text(client, resource)
    _text(client, resource)
    resource.title = "Fiche republiée"
    resource.save_revision(user=moderator).publish(user=moderator)
    assert "Fiche republiée" in _text(client, old_url)
    resource.refresh_from_db()
    resource.slug = "fiche-deplacee"
    resource.save_revision(user=moderator).publish(user=moderator)
    assert client.get(old_url).status_code == 404
    resource.refresh_from_db()
    assert "Fiche republiée" in _text(client, resource.url)
    resource.unpublish(user=moderator)
    assert client.get(resource.url).status_code == 404


def test_visibility_and_view_restrictions_apply_at_once(client, resource, moderator, member):
    _text(client, resource)
    _text(client, resource)
    resource.visibility = "members"
    resource.save_revision(user=moderator).publish(user=moderator)
    assert client.get(resource.url).status_code == 302  # to the login page
    client.force_login(member)
    assert "Réservé aux membres" in _text(client, resource)
    client.logout()
    resource.refresh_from_db()
    resource.visibility = "public"
    resource.save_revision(user=moderator).publish(user=moderator)
    assert client.get(resource.url).status_code == 200
    PageViewRestriction.objects.create(page=library(), restriction_type=PageViewRestriction.LOGIN)
    assert client.get(resource.url).status_code == 302


def test_scheduled_expiry_unpublishes_at_once(client, resource):
    _text(client, resource)
    _text(client, resource)
    ResourcePage.objects.filter(pk=resource.pk).update(expire_at=timezone.now() - dt.timedelta(minutes=1))
    call_command("publish_scheduled", verbosity=0)
    assert client.get(resource.url).status_code == 404


def test_a_document_edit_and_removal_show_at_once(client, resource, moderator):
    _text(client, resource)
    _text(client, resource)
    document = resource.attached_documents.get().document
    document.title = "Document renommé"
    document.save()
    assert "Document renommé" in _text(client, resource)
    resource = ResourcePage.objects.get(pk=resource.pk)
    resource.attached_documents.all().delete()
    resource.save_revision(user=moderator).publish(user=moderator)
    assert "Document renommé" not in _text(client, resource)


def test_related_links_follow_their_pages(client, resource, moderator):
    _text(client, resource)
    _text(client, resource)
    neighbour = ResourcePage.objects.get(title="Fiche voisine")
    neighbour.title = "Fiche voisine renommée"
    neighbour.save_revision(user=moderator).publish(user=moderator)
    assert "Fiche voisine renommée" in _text(client, resource)
    neighbour.refresh_from_db()
    neighbour.unpublish(user=moderator)
    assert "Fiche voisine" not in _text(client, resource)
