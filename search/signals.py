"""Keep Wagtail pages in the index without knowing which apps they belong to: any page
model with a registered Indexer is reindexed (in the task queue, after commit) when it
is published, unpublished, moved or deleted. Non-page content (forum threads...) is
reindexed by its app's service functions through ``services.reindex_later``."""

import logging

from django.db.models.signals import post_delete
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import services
from .registry import indexer_for

logger = logging.getLogger("search")


def _reindex_page(page) -> None:
    page = page.specific if isinstance(page, Page) else page
    if indexer_for(type(page)) is None:
        return
    try:
        services.reindex_later(page)
    except Exception:  # noqa: BLE001 - indexing must never break publishing
        logger.exception("search: could not queue the reindex of page %s", page.pk)


def on_publish_change(sender, instance, **kwargs):
    _reindex_page(instance)


def on_move(sender, instance, **kwargs):
    # The URL of the page and of its descendants changed.
    for page in [instance, *instance.get_descendants().specific()]:
        _reindex_page(page)


def on_delete(sender, instance, **kwargs):
    if isinstance(instance, Page) and indexer_for(type(instance)) is not None:
        _reindex_page(instance)  # the task finds the page gone and removes its entry


def connect() -> None:
    page_published.connect(on_publish_change, dispatch_uid="search.page_published")
    page_unpublished.connect(on_publish_change, dispatch_uid="search.page_unpublished")
    post_page_move.connect(on_move, dispatch_uid="search.page_moved")
    post_delete.connect(on_delete, dispatch_uid="search.page_deleted")


def engine_health() -> str | None:
    """The /sante/ check: external engines must answer a ping; the database backend is
    covered by the database check."""
    from . import engine

    search_backend = engine.backend()
    client = getattr(search_backend, "es", None) or getattr(search_backend, "client", None)
    if client is None or engine.is_database(search_backend):
        return None
    return None if client.ping() else "the search engine does not answer"
