"""A repeated search (its summary cached) reads the session's user and the shown entries (with the
reader's permission filter) and writes its log row (docs/performance.md, "Session 9: repeated searches
on PostgreSQL"): the reader and the top-level themes come from the process's memory, each under a
version that every change replaces, so what a reader sees is what the database holds on the very next
request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comcep.taxonomy.models import Theme
from search import services
from search.models import SearchQueryLog
from search.registry import EntryData
from tests.search.conftest import titles

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(make_entry):
    return [make_entry("Préparer un entretien VAE", body="Conseils pour l'entretien de VAE", themes=["vae"]),
            make_entry("Atelier entretien collectif", access="members")]


def statements(client, path, params) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_a_repeated_search_reads_the_user_and_the_shown_entries_and_writes_its_row(client, member, entries):
    client.force_login(member)
    statements(client, "/recherche/", {"q": "entretien"})  # first visit: the summary, the reader...
    sql = statements(client, "/recherche/", {"q": "entretien"})
    assert not any(' FROM "auth_group" ' in s or ' FROM "forums_space" ' in s for s in sql)
    if connection.vendor == "postgresql":
        # The user; the shown entries; the group and the log row.
        assert len(sql) == 3 and sql[2].startswith("WITH gap AS")
    else:
        assert len(sql) == 4  # the user; the shown entries; the group; the log row
    assert sum(s.startswith("SELECT") and ' FROM "search_searchentry" ' in s for s in sql) == 1
    assert SearchQueryLog.objects.filter(query="entretien").count() == 2
    api = statements(client, "/recherche/api/", {"q": "entretien"})
    assert len(api) == len(sql)


def test_an_entry_changed_or_closed_is_shown_as_it_is_now_on_the_next_request(client, member, entries, make_entry):
    client.force_login(member)
    assert set(titles(client.get("/recherche/api/", {"q": "entretien"}))) == {
        "Préparer un entretien VAE", "Atelier entretien collectif"}
    first = entries[0]
    first.title = "Réussir son entretien VAE"
    first.access = "members"
    services.upsert(EntryData(
        kind="resource", subkind="fiche-pratique", title="Réussir son entretien VAE", url=first.url, access="members",
        body=first.body, themes=["vae"], published_at=first.published_at), source_type=first.source_type.model_class(),
        source_id=first.source_id)
    assert set(titles(client.get("/recherche/api/", {"q": "entretien"}))) == {
        "Réussir son entretien VAE", "Atelier entretien collectif"}
    client.logout()  # a visitor: the members' entries are not theirs, cached or not
    assert titles(client.get("/recherche/api/", {"q": "entretien"})) == []
    assert "Réussir son" not in client.get("/recherche/", {"q": "entretien"}).content.decode()


def test_the_browse_themes_links_follow_the_themes_at_once(client, db):
    theme, _created = Theme.objects.get_or_create(slug="cpf", defaults={"name": "Compte personnel de formation"})
    assert 'href="/recherche/?theme=cpf"' in client.get("/recherche/").content.decode()
    assert statements(client, "/recherche/", {}) == []  # a visitor's landing page: no statement at all
    theme.name = "Mon compte formation"
    theme.save()
    assert "Mon compte formation" in client.get("/recherche/").content.decode()
    Theme.objects.create(slug="bilan-nouveau", name="Bilan nouveau")
    html = client.get("/recherche/", {"q": "introuvablexyz"}).content.decode()  # no result: the same links
    assert 'href="/recherche/?theme=bilan-nouveau"' in html
    theme.delete()
    assert 'href="/recherche/?theme=cpf"' not in client.get("/recherche/").content.decode()
