"""The home page's "Dernières ressources" are kept per process under the routing version, per kind of
reader: a second visit reads no resource row, and a publication, an unpublication, a new title or a
visibility change shows on the next visit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resources.models import ResourcePage
from tests.factories.resources import ResourcePageFactory

pytestmark = pytest.mark.django_db


def _home(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    section = response.content.decode().split('id="latest-resources"')[1].split("</section>")[0]
    return section, [q["sql"] for q in queries.captured_queries if '"resources_resourcepage"' in q["sql"]]


def test_a_second_visit_reads_no_resource_row(client, member):
    ResourcePageFactory(title="Fiche pour accueil")
    for reader in (None, member):
        if reader is not None:
            client.force_login(reader)
        first, reads = _home(client)
        assert "Fiche pour accueil" in first and reads
        second, reads = _home(client)
        assert second == first and reads == []


def test_publications_titles_and_visibility_show_at_once(client, member, moderator):
    ResourcePageFactory(title="Fiche qui reste")
    page = ResourcePageFactory(title="Fiche ancienne")
    _home(client)
    newer = ResourcePageFactory(title="Fiche toute neuve")
    assert "Fiche toute neuve" in _home(client)[0]
    newer = ResourcePage.objects.get(pk=newer.pk)
    newer.title = "Fiche renommée"
    newer.save_revision(user=moderator).publish(user=moderator)
    assert "Fiche renommée" in _home(client)[0]
    newer.refresh_from_db()
    newer.visibility = "members"
    newer.save_revision(user=moderator).publish(user=moderator)
    assert "Fiche renommée" not in _home(client)[0]  # a visitor
    client.force_login(member)
    assert "Fiche renommée" in _home(client)[0]  # an approved member
    client.logout()
    page.refresh_from_db()
    page.unpublish(user=moderator)
    assert "Fiche ancienne" not in _home(client)[0]
