"""python manage.py rebuild_search — rebuild the unified search index, safely while serving.

1. Every registered indexer lists its objects (in chunks): their entries are written
   in place (created or updated, never emptied first), and entries of objects that no
   longer exist or are no longer searchable are deleted.
2. The search engine is brought up to date: the database backends are updated chunk by
   chunk in place; Elasticsearch/OpenSearch are rebuilt into a new index that an alias
   points to once complete (modelsearch's atomic rebuild), then entries changed during
   the rebuild are sent again.

--dirty only re-sends the entries whose indexing failed earlier (cheap; cron-able).
--title-norms only recomputes the exact average title length of the database engines and
brings every entry's title norm to it, in short transactions (maintenance; cron-able).
"""

from __future__ import annotations

import time

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.utils import timezone

from search import engine, pgrank, registry, resultcache, services
from search.models import SearchEntry


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Command(BaseCommand):
    help = "Rebuild the unified search index (safe while the site serves)."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=500, help="Objects per batch (default 500).")
        parser.add_argument("--dirty", action="store_true", help="Only re-send entries whose indexing failed.")
        parser.add_argument(
            "--title-norms", action="store_true",
            help="Only recompute the exact average title length and the title norms (database engines).",
        )
        parser.add_argument(
            "--rank-vectors", action="store_true",
            help="Only rewrite the short rank vectors of the PostgreSQL engine (after changing "
                 "SEARCH_RANK_BODY_CHARS).",
        )
        parser.add_argument(
            "--purge-unregistered", action="store_true",
            help="Also delete entries whose source type has no registered indexer.",
        )

    def handle(self, *args, chunk_size, dirty, purge_unregistered, title_norms=False, rank_vectors=False,
               **options):
        self.chunk_size = max(1, chunk_size)
        started = time.monotonic()
        since = timezone.now()
        if rank_vectors:
            written = sum(pgrank.refresh_all(b, chunk_size=self.chunk_size) for b in engine.write_backends())
            resultcache.index_changed()
            self.stdout.write(f"Vecteurs de classement : {written} entrée(s) réécrite(s).")
            return
        if title_norms:
            rewritten = 0
            for search_backend in engine.write_backends():
                index = search_backend.get_index_for_model(SearchEntry)
                if engine.is_database(search_backend) and engine.has_title_norms(index):
                    rewritten += engine.refresh_all_title_norms(index, chunk_size=self.chunk_size)
            self.stdout.write(f"Normes de titre : {rewritten} entrée(s) mise(s) à jour.")
            return
        if dirty:
            sent, failed = self.resend(SearchEntry.objects.filter(index_dirty=True))
            self.stdout.write(f"{sent} entrée(s) renvoyée(s) au moteur, {failed} en échec.")
            return
        # Database engines: the title norms are refreshed once at the end, not per chunk.
        with engine.bulk_indexing():
            covered = self.sync_indexers()
            if purge_unregistered:
                deleted, _ = SearchEntry.objects.exclude(source_type_id__in=covered).delete()
                resultcache.index_changed()
                self.stdout.write(f"{deleted} entrée(s) sans indexeur supprimée(s).")
            self.rebuild_engine(since)
        pgrank.delete_orphans()  # rank vectors of the entries deleted above (PostgreSQL)
        total = SearchEntry.objects.count()
        dirty_left = SearchEntry.objects.filter(index_dirty=True).count()
        self.stdout.write(self.style.SUCCESS(
            f"Index reconstruit : {total} entrée(s) en {time.monotonic() - started:.1f} s"
            + (f", {dirty_left} en échec (relancer avec --dirty)" if dirty_left else "") + "."
        ))

    def sync_indexers(self) -> set[int]:
        """Step 1. Returns the content type ids the registered indexers cover."""
        database = all(engine.is_database(b) for b in engine.write_backends())
        all_types = list(ContentType.objects.all())
        covered: set[int] = set()
        for indexer in registry.indexers():
            name = indexer.model.__name__
            types = [ct.pk for ct in all_types if (m := ct.model_class()) is not None and issubclass(m, indexer.model)]
            covered.update(types)
            seen: set[tuple[int, str]] = set()
            done = 0
            for chunk in _chunks(indexer.all_objects(), self.chunk_size):
                items = []
                for obj in chunk:
                    data = indexer.entry(obj)
                    if data is None:
                        continue
                    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
                    items.append((data, ct, str(obj.pk)))
                    seen.add((ct.pk, str(obj.pk)))
                # Database engines are updated in place, chunk by chunk; external
                # engines get a complete new index in step 2.
                services.bulk_upsert(items, send_to_engine=database, batch_size=self.chunk_size)
                done += len(chunk)
                self.stdout.write(f"{name} : {done} objet(s) traité(s)…")
            stale = [
                pk for pk, ct_id, source_id in
                SearchEntry.objects.filter(source_type_id__in=types).values_list("pk", "source_type_id", "source_id")
                if (ct_id, source_id) not in seen
            ]
            for chunk in _chunks(stale, self.chunk_size):
                SearchEntry.objects.filter(pk__in=chunk).delete()
            if stale:
                resultcache.index_changed()
            self.stdout.write(f"{name} : {len(seen)} entrée(s) à jour, {len(stale)} supprimée(s).")
        return covered

    def resend(self, queryset) -> tuple[int, int]:
        sent = failed = 0
        for chunk in _chunks(queryset.order_by("pk").iterator(chunk_size=self.chunk_size), self.chunk_size):
            if services.send(chunk):
                sent += len(chunk)
            else:
                failed += len(chunk)
        return sent, failed

    def rebuild_engine(self, since) -> None:
        """Step 2."""
        for search_backend in engine.write_backends():
            if engine.is_database(search_backend):
                # Entries step 1 did not write (sources without an indexer, earlier failures).
                sent, failed = self.resend(SearchEntry.objects.filter(indexed_at__lt=since) |
                                           SearchEntry.objects.filter(index_dirty=True))
                self.stdout.write(f"Moteur (base de données) : {sent} entrée(s) renvoyée(s), {failed} en échec.")
                continue
            alias = search_backend.get_index_for_model(SearchEntry)
            rebuilder = search_backend.rebuilder_class(alias)
            new_index = rebuilder.start()
            new_index.add_model(SearchEntry)
            done = 0
            for chunk in _chunks(SearchEntry.objects.order_by("pk").iterator(chunk_size=self.chunk_size),
                                 self.chunk_size):
                new_index.add_items(SearchEntry, chunk)
                done += len(chunk)
                self.stdout.write(f"Moteur : {done} entrée(s) envoyée(s) dans {new_index.name}…")
            rebuilder.finish()
            SearchEntry.objects.filter(indexed_at__lt=since).update(index_dirty=False)
            # Entries written while the new index was filling went to the old one: send them again.
            sent, failed = self.resend(SearchEntry.objects.filter(indexed_at__gte=since))
            self.stdout.write(f"Moteur : index {new_index.name} en service ; {sent} entrée(s) modifiée(s) "
                              f"pendant la reconstruction renvoyée(s).")
