"""Writing to the search index. Apps call these when their content changes:

    from search import services
    services.reindex(obj)        # now: (re)write the entry of obj, or remove it if its
                                 # indexer returns None (unpublished, hidden...)
    services.remove(obj)         # now: obj is being deleted (call before or after delete())
    services.reindex_later(obj)  # after the current transaction commits, in the task
                                 # queue (django-tasks); also handles a deleted obj
    services.reindex_many_later(Model, ids)  # the same for many objects of one model

The database write always happens; sending the entry to the search engine is
best-effort: an engine error is logged and the entry marked ``index_dirty`` so that
``rebuild_search`` (or ``rebuild_search --dirty``, or the next save) re-sends it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from comcep.core import taskqueue

from . import engine, french, pgrank, resultcache
from .models import EntryFacets, SearchEntry, SlugListField
from .registry import EntryData, indexer_for

logger = logging.getLogger("search")


def _source_key(source=None, *, source_type=None, source_id=None) -> tuple[ContentType, str]:
    if source is not None:
        source_type = ContentType.objects.get_for_model(source, for_concrete_model=False)
        source_id = source.pk
    if source_type is None or source_id in (None, ""):
        raise ValueError("A search entry needs a source: an object, or source_type and source_id.")
    if not isinstance(source_type, ContentType):
        source_type = ContentType.objects.get_for_model(source_type, for_concrete_model=False)
    return source_type, str(source_id)


def _stems(data: EntryData, previous: SearchEntry | None) -> str:
    """``french.stems_text(title, summary, body)``, reusing what ``previous`` (the stored entry of the
    same source) holds when that gives the very same string: its stems when the three texts are
    unchanged; its stems followed by the stems of the added text when the new body is the old one
    followed by a line break and more (a reply at the end of a discussion: the indexers join posts
    with "\n", and no word or elision spans a line break, so the words before it are the same).
    Anything else is stemmed whole."""
    title, summary, body = data.title, data.summary or "", data.body or ""
    if previous is not None and title == previous.title and summary == previous.summary:
        old = previous.body
        if body == old:
            return previous.stems
        if body.startswith(old) and (not old or body[len(old)] == "\n"):
            added = french.stems_text(body[len(old):])
            return f"{previous.stems} {added}" if previous.stems and added else previous.stems or added
    return french.stems_text(title, summary, body)


def entry_values(data: EntryData, previous: SearchEntry | None = None) -> dict:
    """The SearchEntry column values for ``data`` (stems computed here; ``previous``: the stored
    entry of the same source, whose stems are reused when they are exact, see ``_stems``)."""
    return {
        "kind": data.kind[:32],
        "subkind": (data.subkind or "")[:48],
        "facet_kind": (data.subkind or data.kind)[:48],
        "title": data.title[:300],
        "summary": data.summary or "",
        "body": data.body or "",
        "stems": _stems(data, previous),
        "themes": SlugListField.pack(data.themes),
        "audiences": SlugListField.pack(data.audiences),
        "service_levels": SlugListField.pack(data.service_levels),
        "region": data.region or "",
        "space": data.space or "",
        "access": data.access,
        "url": data.url,
        "published_at": data.published_at,
        "updated_at": data.updated_at,
        "useful_count": max(int(data.useful_count or 0), 0),
    }


def send(entries: list[SearchEntry]) -> bool:
    """Send entries to every search backend; on failure mark them dirty. True if all went."""
    if not entries:
        return True
    resultcache.index_changed()
    try:
        engine.prepare_write()  # the average title length, outside the write transaction
    except engine.ENGINE_ERRORS:
        logger.exception("search: reading the average title length failed")
    ok = True
    for search_backend in engine.write_backends():
        try:
            with transaction.atomic():
                search_backend.add_bulk(SearchEntry, entries)
                # PostgreSQL engine: the entries' short rank vectors (search.pgrank), with the index rows.
                pgrank.write(search_backend, entries)
        except engine.ENGINE_ERRORS:
            ok = False
            logger.exception("search: indexing %d entries failed; they are marked dirty", len(entries))
    pks = [e.pk for e in entries]
    if not ok:
        SearchEntry.objects.filter(pk__in=pks).update(index_dirty=True)
    elif any(e.index_dirty for e in entries):
        SearchEntry.objects.filter(pk__in=pks).update(index_dirty=False)
    for entry in entries:
        entry.index_dirty = not ok
    return ok


@functools.cache
def _indexed_columns() -> frozenset[str]:
    """The SearchEntry columns the search engines receive (its ``search_fields``; the
    ``folded_title`` property is made of the title): an entry whose other columns alone changed
    (``updated_at``, ``useful_count``, ``subkind``, ``url``...) keeps its document."""
    names = set()
    for field in SearchEntry.get_search_fields():
        name = field.field_name
        names.add("title" if name == "folded_title" else name)
    names.discard("id")  # the primary key never changes
    columns = {f.name for f in SearchEntry._meta.concrete_fields}
    unknown = names - columns
    if unknown:  # a new property among the search fields: say which columns it is made of above
        raise LookupError(f"search fields that are not SearchEntry columns: {sorted(unknown)}")
    return frozenset(names)


def upsert(data: EntryData, *, source=None, source_type=None, source_id=None, read_at=None) -> SearchEntry:
    """Create or update the entry of a source object from ``data`` and index it. ``read_at``: when
    the source was read (default: now).

    An existing entry is read first and its new values computed **before** the write transaction
    (on SQLite a transaction holds the database's write lock from its BEGIN, and the web requests
    wait for it): the stems reuse the stored ones when exact (``_stems``); only the columns that
    changed are written, on the condition that nobody wrote the row since it was read (else the
    whole entry is written, as for a new one); the engines get the entry only when a column they
    index changed (or the entry is marked dirty), the facet row only when a facet changed. A reply
    to a long discussion whose body is already full (``BODY_LIMIT`` of the forums) then writes
    three columns of one row instead of re-tokenising the whole discussion in the FTS table."""
    source_type, source_id = _source_key(source, source_type=source_type, source_id=source_id)
    indexed_at = read_at or timezone.now()
    previous = SearchEntry.objects.filter(source_type=source_type, source_id=source_id).first()
    values = {**entry_values(data, previous), "indexed_at": indexed_at}
    if previous is not None:
        changed = {name: value for name, value in values.items() if getattr(previous, name) != value}
        with transaction.atomic():
            written = SearchEntry.objects.filter(pk=previous.pk, indexed_at=previous.indexed_at).update(**changed)
            if written:
                for name, value in changed.items():
                    setattr(previous, name, value)
                if set(changed) & set(EntryFacets.COPIED):
                    write_facets([previous])
        if written:
            if previous.index_dirty or set(changed) & _indexed_columns():
                send([previous])
            elif set(changed) - {"indexed_at"}:
                resultcache.index_changed()
            return previous
        # Written by someone else since it was read: write every column (below).
    with transaction.atomic():
        entry, _created = SearchEntry.objects.update_or_create(
            source_type=source_type, source_id=source_id, defaults=values,
        )
        write_facets([entry])
    send([entry])
    return entry


def write_facets(entries: list[SearchEntry], *, batch_size: int = 500) -> None:
    """Create or update the narrow facet rows (search.models.EntryFacets) of ``entries``."""
    EntryFacets.objects.bulk_create(
        [EntryFacets.for_entry(entry) for entry in entries], batch_size=batch_size,
        update_conflicts=True, unique_fields=["entry"], update_fields=list(EntryFacets.COPIED),
    )


def bulk_upsert(items: Iterable[tuple[EntryData, ContentType, str]], *, send_to_engine: bool = True,
                batch_size: int = 500) -> list[SearchEntry]:
    """Create or update many entries at once (rebuilds, imports, the benchmark).

    ``items`` are (data, source_type, source_id). Existing entries are updated in
    place, so search keeps answering while this runs.
    """
    items = [(data, ct, str(sid)) for data, ct, sid in items]
    if not items:
        return []
    wanted = {(ct.pk, sid) for _d, ct, sid in items}
    existing = {
        (e.source_type_id, e.source_id): e
        for e in SearchEntry.objects.filter(
            source_type_id__in={ct for ct, _ in wanted}, source_id__in={sid for _, sid in wanted}
        )
    }
    to_create, to_update = [], []
    fields = None
    now = timezone.now()
    for data, ct, sid in items:
        values = entry_values(data)
        fields = list(values)
        entry = existing.get((ct.pk, sid))
        if entry is None:
            to_create.append(SearchEntry(source_type=ct, source_id=sid, **values))
        else:
            for name, value in values.items():
                setattr(entry, name, value)
            entry.indexed_at = now
            to_update.append(entry)
    with transaction.atomic():
        created = SearchEntry.objects.bulk_create(to_create, batch_size=batch_size)
        if to_update:
            SearchEntry.objects.bulk_update(to_update, [*fields, "indexed_at"], batch_size=batch_size)
        entries = [*created, *to_update]
        write_facets(entries, batch_size=batch_size)
    resultcache.index_changed()
    if send_to_engine:
        with engine.bulk_indexing():
            for start in range(0, len(entries), batch_size):
                send(entries[start : start + batch_size])
    return entries


def remove_source(source_type, source_id) -> int:
    """Delete the entry of a source (content type + id). Returns how many were deleted."""
    source_type, source_id = _source_key(source_type=source_type, source_id=source_id)
    entries = list(SearchEntry.objects.filter(source_type=source_type, source_id=source_id))
    for entry in entries:
        for search_backend in engine.write_backends():
            try:
                search_backend.delete(entry)
            except engine.ENGINE_ERRORS:
                # The row goes anyway: results are loaded from the database, so a
                # document left behind in an external engine is never shown, and the
                # next rebuild drops it.
                logger.exception("search: removing entry %s from the engine failed", entry.pk)
    deleted, _ = SearchEntry.objects.filter(pk__in=[e.pk for e in entries]).delete()
    pgrank.delete([e.pk for e in entries])
    if deleted:
        resultcache.index_changed()
    return deleted


def remove(obj) -> int:
    """Remove ``obj`` from the search index (it was deleted, or must not be searchable)."""
    source_type, source_id = _source_key(obj)
    return remove_source(source_type, source_id)


def reindex(obj, *, read_at=None) -> SearchEntry | None:
    """Rewrite ``obj``'s entry through its registered indexer (or remove it). ``read_at``: when
    ``obj`` was read from the database (default: now)."""
    indexer = indexer_for(obj)
    if indexer is None:
        raise LookupError(f"No search indexer is registered for {type(obj).__name__}.")
    data = indexer.entry(obj)
    if data is None:
        remove(obj)
        return None
    return upsert(data, source=obj, read_at=read_at)


#: A queued reindex is skipped when its source was read again at least this long after the
#: task was queued (covers clock differences between the web and worker machines).
COALESCE_MARGIN = timedelta(seconds=1)


#: With the database queue, a reindex runs at the earliest this many seconds after the change that queued it
#: (settings.SEARCH_REINDEX_DELAY_SECONDS; 0: at once): the changes to a source within it share the task. Without
#: it a worker with time to spare reindexes a thread that receives replies back to back, one reindex per reply or
#: two, and its CPU competes with the requests (docs/performance.md, "Session 15: the reindex delay"). What is
#: written is searchable a few seconds later.
REINDEX_DELAY_SECONDS = 2


def reindex_later(obj) -> None:
    """Reindex ``obj`` in the task queue once the current transaction commits.

    Safe for deleted objects too: the task removes the entry when the object is gone.
    Tasks coalesce: when several are queued for one source (a busy thread, replies faster than
    the worker), the first to run reads the latest state and the others find nothing to do.
    """
    from .tasks import reindex_source

    source_type, source_id = _source_key(obj)
    ct_id = source_type.pk
    if taskqueue.in_database_queue(reindex_source):
        # The database queue on this database (production): the task row is written now, inside the
        # transaction (comcep.core.taskqueue), so it becomes visible to the worker with the change.
        # A task of this source that has not started yet (waiting for its delay, or for the worker) will
        # read the change: none is added (a busy source has at most one reindex waiting, whatever the rate
        # of its changes). One statement either way (INSERT ... SELECT ... WHERE NOT EXISTS,
        # taskqueue.enqueue_unless_pending).
        taskqueue.enqueue_unless_pending(
            reindex_source, ct_id, source_id,
            delay=getattr(settings, "SEARCH_REINDEX_DELAY_SECONDS", REINDEX_DELAY_SECONDS))
        return

    def enqueue():
        # Queued after the commit: whatever a reindex reads after this moment includes the change.
        reindex_source.enqueue(ct_id, source_id, timezone.now().isoformat())

    transaction.on_commit(enqueue)


def reindex_many_later(model, source_ids: Iterable) -> int:
    """``reindex_later`` for many objects of one model, by id, in one statement however many
    (``taskqueue.enqueue_many``): for a change that touches many entries at once, such as a member's
    deletion taking back their votes from every resource and thread they voted for. Unlike
    ``reindex_later`` it does not look for an identical task already waiting (one more reindex of a
    source reads the same state and writes nothing new). Returns how many were queued."""
    from .tasks import reindex_source

    ct_id = ContentType.objects.get_for_model(model, for_concrete_model=False).pk
    ids = sorted({str(pk) for pk in source_ids})
    if not ids:
        return 0
    if taskqueue.in_database_queue(reindex_source):
        return taskqueue.enqueue_many(reindex_source, [(ct_id, pk) for pk in ids])

    def enqueue():
        queued_at = timezone.now().isoformat()
        for pk in ids:
            reindex_source.enqueue(ct_id, pk, queued_at)

    transaction.on_commit(enqueue)
    return len(ids)


def reindex_source_now(content_type_id: int, source_id: str, queued_at: str | None = None) -> SearchEntry | None:
    """The task's work. ``queued_at`` (ISO 8601): when the change to index was committed; if the
    source has been read for its entry since then, the entry already holds that change."""
    started = timezone.now()
    since = parse_datetime(queued_at) if queued_at else None
    if since is not None:
        done = SearchEntry.objects.filter(source_type_id=content_type_id, source_id=str(source_id),
                                          indexed_at__gte=since + COALESCE_MARGIN).first()
        if done is not None:
            return done
    source_type = ContentType.objects.get_for_id(content_type_id)
    model = source_type.model_class()
    obj = model._default_manager.filter(pk=source_id).first() if model is not None else None
    if obj is None:
        remove_source(source_type, source_id)
        return None
    return reindex(obj, read_at=started)
