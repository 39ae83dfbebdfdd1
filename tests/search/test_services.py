"""Keeping the index up to date through registered indexers: reindex on change,
remove, background reindexing, rebuilds, and writes that survive an engine failure."""

import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from wagtail.models import Page

from comcep.core.models import StandardPage
from search import registry, services
from search.es_analysis import backend_config
from search.models import SearchEntry
from search.registry import EntryData, Indexer
from tests.search.conftest import run_search, titles

pytestmark = pytest.mark.django_db

# An Elasticsearch backend on a closed port: a real client that cannot connect.
UNREACHABLE = {"default": backend_config("http://127.0.0.1:9", timeout=1)}


class PageIndexer(Indexer):
    """What an app's indexer looks like, for editorial pages (live pages only)."""

    model = StandardPage

    def entry(self, page):
        if not page.live:
            return None
        return EntryData(kind="page", title=page.title, url=page.url or f"/{page.slug}/", access="public",
                         summary=page.search_description, published_at=page.first_published_at)

    def all_objects(self):
        return StandardPage.objects.all().iterator(chunk_size=200)


@pytest.fixture
def page_indexer():
    registry.register(PageIndexer())
    yield
    registry._indexers.pop(StandardPage, None)


@pytest.fixture
def home():
    return Page.objects.get(depth=2)


def make_page(home, title, **kwargs):
    page = StandardPage(title=title, **kwargs)
    home.add_child(instance=page)
    return page


def test_reindex_follows_changes_and_removal(page_indexer, home):
    page = make_page(home, "Charte des conseillères", search_description="Règles de la communauté")
    services.reindex(page)
    assert titles(run_search("conseiller")) == ["Charte des conseillères"]

    page.title = "Charte d'utilisation"
    page.save()
    services.reindex(page)
    assert titles(run_search("conseiller")) == []
    assert titles(run_search("utilisation")) == ["Charte d'utilisation"]
    assert SearchEntry.objects.filter(source_id=str(page.pk)).count() == 1

    page.unpublish()
    services.reindex(page)  # the indexer says "not searchable": the entry goes
    assert titles(run_search("utilisation")) == []

    page.save_revision().publish()
    page.refresh_from_db()
    services.reindex(page)
    assert titles(run_search("utilisation")) == ["Charte d'utilisation"]
    services.remove(page)
    assert titles(run_search("utilisation")) == []


def test_reindex_without_indexer_is_an_error(home):
    page = make_page(home, "Sans indexeur")
    with pytest.raises(LookupError):
        services.reindex(page)


def test_reindex_later_runs_after_commit_and_handles_deleted_objects(page_indexer, home,
                                                                     django_capture_on_commit_callbacks):
    page = make_page(home, "Guide de l'entretien")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.reindex_later(page)
    assert titles(run_search("entretien")) == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert titles(run_search("entretien")) == ["Guide de l'entretien"]

    with django_capture_on_commit_callbacks(execute=True):
        services.reindex_later(page)
        page.delete()
    assert titles(run_search("entretien")) == []


def test_queued_reindexes_of_one_source_coalesce_without_losing_a_change(page_indexer, home):
    """Replies faster than the worker queue one reindex per reply: once the source has been read
    after a task was queued, that task has nothing to do; a task queued after the last read
    always runs."""
    from datetime import timedelta

    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    page = make_page(home, "Guide de l'entretien")
    ct = ContentType.objects.get_for_model(StandardPage).pk
    queued = [(timezone.now() - timedelta(seconds=s)).isoformat() for s in (30, 20, 10)]  # three changes
    services.reindex_source_now(ct, page.pk, queued[0])  # the first task reads the latest state...
    entry = SearchEntry.objects.get(source_id=str(page.pk))
    page.title = "Titre modifié sans nouvelle tâche"
    page.save()
    for when in queued[1:]:  # ...so the two tasks queued before that read skip (no rewrite)
        assert services.reindex_source_now(ct, page.pk, when).title == "Guide de l'entretien"
    assert SearchEntry.objects.get(pk=entry.pk).indexed_at == entry.indexed_at
    page.title = "Guide de l'entretien d'orientation"
    page.save()
    services.reindex_source_now(ct, page.pk, timezone.now().isoformat())  # queued after the read: runs
    assert titles(run_search("orientation")) == ["Guide de l'entretien d'orientation"]


def test_rebuild_search_updates_in_place_and_drops_stale_entries(page_indexer, home, make_entry):
    kept = make_page(home, "Référentiel des métiers")
    gone = make_page(home, "Page supprimée")
    services.reindex(kept)
    services.reindex(gone)
    other = make_entry("Entrée sans indexeur")
    gone_pk = gone.pk
    Page.objects.filter(pk=gone_pk).delete()  # deleted without telling search
    SearchEntry.objects.filter(title="Référentiel des métiers").update(title="Ancien titre")
    out = io.StringIO()
    call_command("rebuild_search", stdout=out)
    assert "StandardPage" in out.getvalue() and "Index reconstruit" in out.getvalue()
    assert titles(run_search("métiers")) == ["Référentiel des métiers"]
    assert not SearchEntry.objects.filter(source_id=str(gone_pk)).exists()
    assert SearchEntry.objects.filter(pk=other.pk).exists()  # no indexer: kept unless purged
    call_command("rebuild_search", "--purge-unregistered", stdout=io.StringIO())
    assert not SearchEntry.objects.filter(pk=other.pk).exists()


@pytest.mark.filterwarnings("ignore")
def test_engine_failure_never_loses_the_write_and_marks_the_entry_dirty(make_entry, caplog):
    with override_settings(WAGTAILSEARCH_BACKENDS=UNREACHABLE):
        entry = make_entry("Écrite pendant la panne")
    entry.refresh_from_db()
    assert entry.index_dirty
    assert "marked dirty" in caplog.text
    # The database engine is back: --dirty re-sends it and clears the flag.
    assert titles(run_search("panne")) == []
    out = io.StringIO()
    call_command("rebuild_search", "--dirty", stdout=out)
    entry.refresh_from_db()
    assert not entry.index_dirty
    assert titles(run_search("panne")) == ["Écrite pendant la panne"]


@pytest.mark.filterwarnings("ignore")
def test_next_save_resends_a_dirty_entry(make_entry):
    with override_settings(WAGTAILSEARCH_BACKENDS=UNREACHABLE):
        entry = make_entry("Deuxième essai")
    data = EntryData(kind="resource", title="Deuxième essai", url=entry.url, access="public")
    services.upsert(data, source_type=entry.source_type, source_id=entry.source_id)
    entry.refresh_from_db()
    assert not entry.index_dirty
    assert titles(run_search("essai")) == ["Deuxième essai"]


def test_entry_data_is_denormalised(make_entry):
    entry = make_entry("Titre", summary="Résumé", body="Corps du texte", themes=["vae", "cpf", "vae"],
                       audiences=["jeunes"], region="bretagne", subkind="guide")
    entry.refresh_from_db()
    assert entry.theme_slugs == ["vae", "cpf"]
    assert entry.themes == " vae cpf "
    assert entry.facet_kind == "guide" and entry.kind == "resource"
    assert entry.stems == "titr resum corp text"
