"""Querysets compiled once per process: the ORM builds a query's SQL with sentinel values, later
calls run that SQL with the real values put in their places.

Building and compiling a queryset costs 0.1–3 ms of CPU (filters, joins, ``select_related``,
subqueries), often ten times the time SQLite or PostgreSQL needs to run it. A page that issues the
same ten queries on every request with different ids pays this every time. ``PreparedQuery`` pays
it once per (process, database alias, method, shape):

    THREAD = PreparedQuery(
        "forums.thread",
        lambda kind, *, user, thread: Thread.objects.visible_to(reader(kind, user))
            .select_related("space", "author").filter(pk=thread),
        params={"user": int, "thread": int},
    )
    thread = THREAD.first(reader_kind(request.user), user=request.user.pk, thread=pk)

* The builder receives the **shape** (positional arguments: everything that changes the SQL text,
  e.g. the kind of reader ``visible_to`` branches on) and one **sentinel** per declared parameter.
  It must put each parameter's value into the queryset **only as a query parameter** (``pk=thread``,
  ``user_id=user``...), never let it decide the SQL (``if user.is_superuser: ...`` belongs in the
  shape). Every value that is neither a parameter nor part of the shape is frozen at build time.
* The queryset is built **twice** with two different sets of sentinels: the SQL text must be the
  same and the parameter lists must differ exactly where a sentinel (or its database-adapted form,
  for datetimes) stands; anything else (a sentinel inlined in the SQL, transformed, or a constant
  that changed between the builds) raises ``PreparedQueryError`` at the first call, not a wrong
  result later.
* Results come from Django's own machinery: the compiler's converters, ``Model.from_db``,
  ``RelatedPopulator`` for ``select_related`` relations, annotations set on the instances,
  ``prefetch_related_objects`` for ``prefetch_related`` lookups. ``objects`` / ``first`` give model
  instances as the queryset would; ``rows`` gives the tuples of a ``values_list`` queryset (values
  for ``flat=True``); ``count`` and ``exists`` run ``SELECT COUNT(*)`` / ``SELECT 1 ... LIMIT 1``.
* A builder returning an empty queryset (``.none()``) gives empty results without a query.
* Integer parameters are ids (exact lookups): a value beyond 64 bits, which no row can have, gives
  empty results without a query, as the ORM does (a URL with a 25-digit id is a 404, not a 500).

Use it for the few fixed-shape queries every request of a hot page runs; a query built once per
request elsewhere is not worth it (see docs/performance.md, "Session 4: queries compiled once").
"""

from __future__ import annotations

import datetime
import inspect
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model, prefetch_related_objects
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

__all__ = ["PreparedCreate", "PreparedInsert", "PreparedQuery", "PreparedQueryError", "PreparedUpdate"]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
MAX_SHAPES = 256  # per PreparedQuery: slices (offsets) are part of the shape


class PreparedQueryError(Exception):
    """The builder's queryset cannot be prepared (a parameter does not travel as a plain query
    parameter, or an unsupported queryset feature)."""


_SUPPORTED_TYPES = (int, str, datetime.datetime)


def _sentinels(params: dict[str, type], variant: int) -> dict[str, Any]:
    values = {}
    for index, (name, kind) in enumerate(params.items()):
        if kind is int:
            values[name] = -(700_000_001 + variant * 100_000_000 + index)
        elif kind is str:
            values[name] = f"\x1fprepared-{variant}-{index}-{name}\x1f"
        else:
            values[name] = datetime.datetime(1901 + variant, 2, 3, 4, 5, 6, 700 + index, tzinfo=datetime.UTC)
    return values


def _wrapped_slot(position: int, first, second, sentinel_sets, params: dict[str, type]):
    """A parameter the database backend passes wrapped in a subclass of its type (psycopg's ``Int4``
    for integers compared inside ``CASE WHEN`` on PostgreSQL): the same wrapper is applied to the
    real value."""
    wrapper = type(first)
    if type(second) is not wrapper:
        return None
    for name, kind in params.items():
        if (kind in (int, str) and wrapper is not kind and issubclass(wrapper, kind)
                and kind(first) == sentinel_sets[0][name] and kind(second) == sentinel_sets[1][name]):
            return (position, name, wrapper)
    return None


def _adapters(kind: type, connection) -> list[Callable[[Any], Any]]:
    identity = lambda value: value  # noqa: E731
    if kind is datetime.datetime:
        return [identity, connection.ops.adapt_datetimefield_value]
    return [identity]


@dataclass
class _Shape:
    sql: str | None  # None: the queryset is empty (no query)
    params: list
    slots: list[tuple[int, str, Callable[[Any], Any]]]  # (position, parameter, adapter)
    finish: Callable[[list, str], Any]  # (rows, alias) -> result


class PreparedQuery:
    """One query shape family. ``build(*shape, **sentinels) -> QuerySet``; ``params`` maps each
    parameter's name to its type (int, str or datetime.datetime)."""

    def __init__(self, name: str, build: Callable[..., Any], *, params: dict[str, type],
                 window_by_key: bool = False):
        for kind in params.values():
            if kind not in _SUPPORTED_TYPES:
                raise TypeError(f"{name}: unsupported parameter type {kind!r}")
        self.name = name
        self.build = build
        self.params = dict(params)
        # A window that skips rows (``offset``) selects the window's primary keys first, in a subquery of
        # the same filter and order, and builds the rows (joins, annotations) for those only: the rows
        # skipped are walked in an index, not joined, annotated and sorted (a deferred join). For lists
        # paged deep (a long thread's last page): see docs/performance.md, "Session 14: deep pages".
        self.window_by_key = window_by_key
        self._shapes: dict[tuple, _Shape] = {}
        self._lock = threading.Lock()
        self.compilations = 0  # how many shapes were built (tests, diagnostics)

    def __repr__(self):
        return f"<PreparedQuery {self.name}>"

    # --- Public API -------------------------------------------------------------------

    def objects(self, *shape: Hashable, using: str | None = None, offset: int = 0, limit: int | None = None,
                **values) -> list:
        """Model instances, as ``list(queryset[offset:offset + limit])`` would give them."""
        return self._run("objects", shape, using, values, (offset, limit))

    def first(self, *shape: Hashable, using: str | None = None, **values):
        """The first instance in the queryset's order (``queryset[:1]``), or None."""
        found = self._run("objects", shape, using, values, (0, 1))
        return found[0] if found else None

    def rows(self, *shape: Hashable, using: str | None = None, offset: int = 0, limit: int | None = None,
             **values) -> list:
        """The rows of a ``values_list()`` queryset: tuples, or values with ``flat=True``."""
        return self._run("rows", shape, using, values, (offset, limit))

    def count(self, *shape: Hashable, using: str | None = None, **values) -> int:
        return self._run("count", shape, using, values, None)

    def exists(self, *shape: Hashable, using: str | None = None, **values) -> bool:
        return self._run("exists", shape, using, values, None)

    def sequence(self, *shape: Hashable, using: str | None = None, count: int | None = None,
                 **values) -> PreparedSequence:
        """A lazy sequence for ``django.core.paginator.Paginator``: ``count()`` runs the prepared
        COUNT, a slice runs the prepared query for that window (one shape per window). ``count``: the
        number of rows, when the caller has read it already (e.g. as a subquery of another statement,
        which saves a round trip); it must be what the prepared COUNT would give."""
        return PreparedSequence(self, shape, using, values, count)

    def sql(self, *shape: Hashable, method: str = "objects", using: str | None = None,
            window: tuple[int, int | None] | None = (0, None)) -> tuple[str | None, list]:
        """The prepared SQL and its sentinel parameters (tests, diagnostics)."""
        prepared = self._shape(method, shape, using or DEFAULT_DB_ALIAS, window if method in ("objects", "rows")
                               else None)
        return prepared.sql, list(prepared.params)

    def forget_shapes(self) -> None:
        """Build every shape again at its next call (what the builder reads changed: a registry)."""
        with self._lock:
            self._shapes.clear()

    # --- Internals --------------------------------------------------------------------

    def _run(self, method: str, shape: tuple, using: str | None, values: dict, window):
        if set(values) != set(self.params):
            raise TypeError(f"{self.name}: expected parameters {sorted(self.params)}, got {sorted(values)}")
        for name, value in values.items():
            kind = self.params[name]
            if value is None or not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise TypeError(f"{self.name}: parameter {name!r} must be a {kind.__name__}, got {value!r}")
        alias = using or DEFAULT_DB_ALIAS
        prepared = self._shape(method, shape, alias, window)
        if prepared.sql is None or any(
                self.params[name] is int and not _INT64_MIN <= value <= _INT64_MAX for name, value in values.items()):
            # No query, or an id beyond 64 bits (a URL like /messages/99999999999999999999/): no row
            # has it, and SQLite would raise OverflowError. The ORM answers such exact lookups empty too.
            return _EMPTY_RESULTS[method](None, alias)
        params = list(prepared.params)
        for position, name, adapter in prepared.slots:
            params[position] = adapter(values[name])
        with connections[alias].cursor() as cursor:
            cursor.execute(prepared.sql, params)
            rows = cursor.fetchall() if method != "exists" else cursor.fetchmany(1)
        return prepared.finish(rows, alias)

    def _shape(self, method: str, shape: tuple, alias: str, window) -> _Shape:
        key = (method, alias, shape, window)
        prepared = self._shapes.get(key)
        if prepared is None:
            with self._lock:
                prepared = self._shapes.get(key)
                if prepared is None:
                    prepared = self._prepare(method, shape, alias, window)
                    if len(self._shapes) >= MAX_SHAPES:
                        self._shapes.pop(next(iter(self._shapes)))
                    self._shapes[key] = prepared
                    self.compilations += 1
        return prepared

    def _queryset(self, shape: tuple, alias: str, sentinels: dict, window):
        queryset = self.build(*shape, **sentinels).using(alias)
        if window is not None:
            offset, limit = window
            stop = None if limit is None else offset + limit
            if offset and self.window_by_key:
                return queryset.filter(pk__in=queryset.values("pk")[offset:stop])
            if offset or limit is not None:
                queryset = queryset[offset:stop]
        return queryset

    def _prepare(self, method: str, shape: tuple, alias: str, window) -> _Shape:
        connection = connections[alias]
        sentinel_sets = [_sentinels(self.params, 0), _sentinels(self.params, 1)]
        compiled = []
        for sentinels in sentinel_sets:
            queryset = self._queryset(shape, alias, sentinels, window)
            try:
                compiled.append(self._compile(method, queryset, alias))
            except EmptyResultSet:
                compiled.append(None)
        if compiled[0] is None or compiled[1] is None:
            if compiled[0] is not compiled[1]:
                raise PreparedQueryError(f"{self.name}: the sentinels decide whether the query is empty")
            return _Shape(None, [], [], _EMPTY_RESULTS[method])
        (sql, params, finish), (sql_b, params_b, _finish_b) = compiled
        slots = _find_slots(self.name, self.params, sentinel_sets, (sql, params), (sql_b, params_b), connection)
        return _Shape(sql, list(params), slots, finish)

    def _compile(self, method: str, queryset, alias: str):
        if queryset._known_related_objects:
            raise PreparedQueryError(f"{self.name}: querysets from related managers are not supported")
        if method == "objects":
            if queryset._iterable_class is not ModelIterable:
                raise PreparedQueryError(f"{self.name}: objects() needs a queryset of model instances")
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            return sql, params, _model_finisher(compiler, alias, queryset._prefetch_related_lookups)
        if method == "rows":
            if queryset._prefetch_related_lookups:
                raise PreparedQueryError(f"{self.name}: prefetch_related only applies to objects()")
            if queryset._iterable_class not in (ValuesListIterable, FlatValuesListIterable):
                raise PreparedQueryError(f"{self.name}: rows() needs a values_list() queryset")
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            return sql, params, _rows_finisher(compiler, flat=queryset._iterable_class is FlatValuesListIterable)
        if method == "exists":
            compiler = queryset.query.exists().get_compiler(using=alias)
            sql, params = compiler.as_sql()
            return sql, params, lambda rows, alias: bool(rows)
        if method == "count":
            inner = queryset.order_by().values_list("pk") if not queryset.query.is_sliced else queryset
            sql, params = inner.query.get_compiler(using=alias).as_sql()
            # The ORM's own compiled SQL, wrapped (no value is formatted into it).
            return f"SELECT COUNT(*) FROM ({sql}) prepared_count", params, lambda rows, alias: rows[0][0]  # noqa: S608
        raise ValueError(method)


def _find_slots(name: str, declared: dict[str, type], sentinel_sets, compiled_a, compiled_b, connection) -> list:
    """Where each parameter's value goes in the SQL's parameter list, from two compilations with
    different sentinels (PreparedQueryError when a value does not travel as a plain parameter)."""
    (sql, params), (sql_b, params_b) = compiled_a, compiled_b
    if sql != sql_b or len(params) != len(params_b):
        raise PreparedQueryError(
            f"{name}: the SQL text depends on a parameter's value (put what decides it in the shape)")
    slots = []
    for position, (first, second) in enumerate(zip(params, params_b, strict=True)):
        slot = None
        for param, kind in declared.items():
            for adapter in _adapters(kind, connection):
                if (_same(adapter(sentinel_sets[0][param]), first)
                        and _same(adapter(sentinel_sets[1][param]), second)):
                    slot = (position, param, adapter)
                    break
            if slot:
                break
        if slot is None:
            slot = _wrapped_slot(position, first, second, sentinel_sets, declared)
        if slot:
            slots.append(slot)
        elif not _same(first, second):
            raise PreparedQueryError(
                f"{name}: query parameter {position} ({first!r}) is not a parameter's plain value")
    return slots


def _check_values(name: str, declared: dict[str, type], values: dict) -> None:
    if set(values) != set(declared):
        raise TypeError(f"{name}: expected parameters {sorted(declared)}, got {sorted(values)}")
    for param, value in values.items():
        kind = declared[param]
        if value is None or not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise TypeError(f"{name}: parameter {param!r} must be a {kind.__name__}, got {value!r}")


class PreparedUpdate:
    """An ``UPDATE`` compiled once per (process, database alias, shape), run with the real values
    put in the sentinels' places, as ``PreparedQuery`` does for reads (same rules: the builder
    receives the shape positionally and one sentinel per parameter, which must reach the SQL only
    as plain query parameters). ``build(*shape, **sentinels)`` returns ``(queryset, values)``:
    what ``queryset.update(**values)`` would run. ``execute`` returns the number of rows updated.

    For the statements a hot write runs on every request inside its transaction: building an
    ``UPDATE`` with ``Case``/``When`` expressions costs ~1 ms of Python each time, and on SQLite the
    transaction holds the database's write lock meanwhile (docs/performance.md, "Session 7: the
    reply's transaction"). No signals are sent (``QuerySet.update`` sends none either); an update
    that would need several statements (inherited fields) is refused."""

    def __init__(self, name: str, build: Callable[..., Any], *, params: dict[str, type]):
        for kind in params.values():
            if kind not in _SUPPORTED_TYPES:
                raise TypeError(f"{name}: unsupported parameter type {kind!r}")
        self.name = name
        self.build = build
        self.params = dict(params)
        self._shapes: dict[tuple, tuple[str, list, list]] = {}
        self._lock = threading.Lock()
        self.compilations = 0

    def __repr__(self):
        return f"<PreparedUpdate {self.name}>"

    def execute(self, *shape: Hashable, using: str | None = None, **values) -> int:
        _check_values(self.name, self.params, values)
        alias = using or DEFAULT_DB_ALIAS
        sql, prepared_params, slots = self._shape(shape, alias)
        if any(self.params[name] is int and not _INT64_MIN <= value <= _INT64_MAX for name, value in values.items()):
            return 0  # no row has such an id (the ORM's exact lookups answer the same)
        params = list(prepared_params)
        for position, name, adapter in slots:
            params[position] = adapter(values[name])
        # As QuerySet.update: an error marks the enclosing atomic block for rollback.
        with transaction.mark_for_rollback_on_error(using=alias), connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def sql(self, *shape: Hashable, using: str | None = None) -> tuple[str, list]:
        sql, params, _slots = self._shape(shape, using or DEFAULT_DB_ALIAS)
        return sql, list(params)

    def _shape(self, shape: tuple, alias: str):
        key = (alias, shape)
        prepared = self._shapes.get(key)
        if prepared is None:
            with self._lock:
                prepared = self._shapes.get(key)
                if prepared is None:
                    prepared = self._prepare(shape, alias)
                    if len(self._shapes) >= MAX_SHAPES:
                        self._shapes.pop(next(iter(self._shapes)))
                    self._shapes[key] = prepared
                    self.compilations += 1
        return prepared

    def _prepare(self, shape: tuple, alias: str):
        from django.db.models.sql import UpdateQuery

        connection = connections[alias]
        sentinel_sets = [_sentinels(self.params, 0), _sentinels(self.params, 1)]
        compiled = []
        for sentinels in sentinel_sets:
            queryset, values = self.build(*shape, **sentinels)
            if queryset.query.is_sliced:
                raise PreparedQueryError(f"{self.name}: cannot update a slice")
            query = queryset.query.chain(UpdateQuery)
            query.add_update_values(values)
            query.annotations = {}
            if query.related_updates:
                raise PreparedQueryError(f"{self.name}: updates of inherited fields are not supported")
            sql, params = query.get_compiler(alias).as_sql()
            if not sql:
                raise PreparedQueryError(f"{self.name}: nothing to update")
            compiled.append((sql, tuple(params)))
        slots = _find_slots(self.name, self.params, sentinel_sets, compiled[0], compiled[1], connection)
        found = {param for _position, param, _adapter in slots}
        if found != set(self.params):  # e.g. a filter the ORM dropped: the update would touch other rows
            raise PreparedQueryError(f"{self.name}: parameters {sorted(set(self.params) - found)} do not reach the SQL")
        return compiled[0][0], list(compiled[0][1]), slots


class PreparedInsert:
    """An ``INSERT`` of one row of ``model`` (no primary key read back), its SQL compiled once per
    (process, database alias). ``execute(obj)`` computes the parameters as the ORM's insert does
    (each field's ``pre_save(obj, add=True)``, then ``get_db_prep_save``: defaults, ``auto_now_add``,
    JSON and UUID adaptation are the same), in the same order as the compiled SQL. ``fields``: the
    concrete fields written (default: all but an auto-incremented primary key); ``on_conflict``:
    ``OnConflict.IGNORE`` for ``bulk_create(..., ignore_conflicts=True)``'s statement. No signals are
    sent (``bulk_create`` sends none either). A value that is an expression, or a field with its own
    placeholder, is refused (the SQL text would depend on it)."""

    def __init__(self, name: str, model, *, fields: list[str] | None = None, on_conflict=None):
        self.name = name
        self.model = model
        self.field_names = fields
        self.on_conflict = on_conflict
        self._sql: dict[str, tuple[str, list]] = {}
        self._lock = threading.Lock()

    def __repr__(self):
        return f"<PreparedInsert {self.name}>"

    def _fields(self) -> list:
        meta = self.model._meta
        if self.field_names is not None:
            return [meta.get_field(name) for name in self.field_names]
        return [f for f in meta.concrete_fields if f is not meta.auto_field]

    def sql(self, using: str | None = None) -> str:
        return self._shape(using or DEFAULT_DB_ALIAS)[0]

    def _shape(self, alias: str) -> tuple[str, list]:
        prepared = self._sql.get(alias)
        if prepared is None:
            with self._lock:
                prepared = self._sql.get(alias)
                if prepared is None:
                    prepared = self._sql[alias] = self._prepare(alias)
        return prepared

    def _prepare(self, alias: str) -> tuple[str, list]:
        from django.db.models.sql import InsertQuery

        fields = self._fields()
        for field in fields:
            if getattr(field, "get_placeholder", None) is not None:
                raise PreparedQueryError(f"{self.name}: field {field.name} has its own placeholder")
        query = InsertQuery(self.model, on_conflict=self.on_conflict)
        # Placeholders only: a plain value per field (the SQL text does not depend on it).
        query.insert_values(fields, [self.model()], raw=True)
        statements = query.get_compiler(alias).as_sql()
        if len(statements) != 1 or statements[0][0].count("%s") != len(fields):
            raise PreparedQueryError(f"{self.name}: not a single INSERT with one placeholder per field")
        return statements[0][0], fields

    def execute(self, obj, *, using: str | None = None) -> int:
        """Insert ``obj`` (its primary key is not read back). Returns the row count (0: ignored)."""
        alias = using or DEFAULT_DB_ALIAS
        sql, params = self._statement(obj, alias)
        with transaction.mark_for_rollback_on_error(using=alias), connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def _statement(self, obj, alias: str) -> tuple[str, list]:
        """The compiled ``INSERT`` and ``obj``'s values for it, as ``Model.save`` prepares them (each field's
        ``pre_save(obj, add=True)``, then ``get_db_prep_save``)."""
        sql, fields = self._shape(alias)
        connection = connections[alias]
        params = []
        for field in fields:
            value = field.pre_save(obj, add=True)
            if hasattr(value, "resolve_expression"):
                raise PreparedQueryError(f"{self.name}: {field.name} is an expression")
            params.append(field.get_db_prep_save(value, connection=connection))
        return sql, params


class PreparedCreate(PreparedInsert):
    """``Model.objects.create(...)``'s ``INSERT`` for a model whose primary key is auto-incremented,
    compiled once per (process, database alias), the new primary key read back as the ORM reads it
    (``RETURNING`` on PostgreSQL and SQLite >= 3.35, else the cursor's last row id). :meth:`create`
    does what ``Model.save(force_insert=True)`` does for a new instance of such a model: the
    ``pre_save`` signal, each field's ``pre_save(obj, add=True)`` and ``get_db_prep_save``, the
    ``INSERT`` (an error marks the enclosing atomic block for rollback), the instance's primary key and
    state (``adding`` False, ``db``), then ``post_save`` with ``created=True``. Models with parents
    (multi-table inheritance) or with other columns returned by the database (``db_default``,
    ``db_returning``) are refused."""

    def __init__(self, name: str, model):
        meta = model._meta
        if meta.parents or meta.auto_field is None or list(meta.db_returning_fields) != [meta.pk]:
            raise PreparedQueryError(f"{name}: only a model whose one returned column is its auto primary key")
        super().__init__(name, model)

    def _prepare(self, alias: str) -> tuple[str, list]:
        from django.db.models.sql import InsertQuery

        fields = self._fields()
        for field in fields:
            if getattr(field, "get_placeholder", None) is not None:
                raise PreparedQueryError(f"{self.name}: field {field.name} has its own placeholder")
        query = InsertQuery(self.model)
        query.insert_values(fields, [self.model()], raw=True)
        compiler = query.get_compiler(alias)
        compiler.returning_fields = [self.model._meta.pk]
        statements = compiler.as_sql()
        if len(statements) != 1 or statements[0][0].count("%s") != len(fields) or compiler.returning_params:
            raise PreparedQueryError(f"{self.name}: not a single INSERT with one placeholder per field")
        return statements[0][0], fields

    def execute(self, obj, *, using: str | None = None) -> int:
        raise TypeError("PreparedCreate: use create(obj)")

    def create(self, obj, *, using: str | None = None):
        """Save the new instance ``obj`` (as ``obj.save(force_insert=True)``) and return it."""
        from django.db.models.signals import post_save, pre_save

        alias = using or DEFAULT_DB_ALIAS
        model, meta = self.model, self.model._meta
        if type(obj) is not model or not obj._state.adding or obj.pk is not None:
            raise PreparedQueryError(f"{self.name}: create() takes a new {model.__name__} without a primary key")
        obj._prepare_related_fields_for_save(operation_name="save")
        pre_save.send(sender=model, instance=obj, raw=False, using=alias, update_fields=None)
        sql, params = self._statement(obj, alias)
        connection = connections[alias]
        pk = meta.pk
        with transaction.mark_for_rollback_on_error(using=alias), connection.cursor() as cursor:
            cursor.execute(sql, params)
            if connection.features.can_return_columns_from_insert:
                value = connection.ops.fetch_returned_insert_columns(cursor, [])[0]
            else:
                value = connection.ops.last_insert_id(cursor, meta.db_table, pk.column)
        column = pk.get_col(meta.db_table)
        for converter in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
            value = converter(value, column, connection)
        setattr(obj, pk.attname, value)
        obj._state.adding = False
        obj._state.db = alias
        post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=alias)
        return obj


class PreparedSequence:
    """What a Paginator needs from an object list: ``count()`` and slicing."""

    def __init__(self, query: PreparedQuery, shape: tuple, using: str | None, values: dict,
                 count: int | None = None):
        self.query, self.shape, self.using, self.values = query, shape, using, values
        self._count = count

    def count(self) -> int:
        if self._count is None:
            self._count = self.query.count(*self.shape, using=self.using, **self.values)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("a PreparedSequence only supports slices without a step")
        start, stop = index.start or 0, index.stop
        if start < 0 or (stop is not None and stop < 0):
            raise ValueError("negative slices are not supported")
        if stop is not None and stop <= start:
            return []
        return self.query.objects(*self.shape, using=self.using, offset=start,
                                  limit=None if stop is None else stop - start, **self.values)


_EMPTY_RESULTS = {
    "objects": lambda rows, alias: [],
    "rows": lambda rows, alias: [],
    "count": lambda rows, alias: 0,
    "exists": lambda rows, alias: False,
}


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


def _converter(compiler):
    """What ``compiler.results_iter`` does with fetched rows (extra select columns trimmed), with the
    converters looked up once."""
    fields = [s[0] for s in compiler.select[0: compiler.col_count]]
    converters = compiler.get_converters(fields)
    composite = compiler.has_composite_fields(fields)

    def convert(rows):
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        if converters:
            rows = compiler.apply_converters(rows, converters)
        if composite:
            rows = compiler.composite_fields_to_tuples(rows, fields)
        return rows

    return convert


def _model_finisher(compiler, alias: str, prefetch_lookups):
    """ModelIterable's loop (django/db/models/query.py), with what it computes per query done once,
    and the instances built without ``Model.__init__`` where that gives the same instance (``_builder``)."""
    select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    related_populators = get_related_populators(klass_info, select, alias)
    annotations = list(annotation_col_map.items()) if annotation_col_map else []
    convert = _converter(compiler)
    build = _builder(model_cls, init_list)
    related = [_fast_populator(populator) for populator in related_populators]
    classes = {model_cls, *_populated_classes(related_populators)}

    def finish(rows, alias):
        # A pre_init/post_init receiver connected since (e.g. an image field's dimensions): Django's path.
        fast = not any(pre_init.has_listeners(cls) or post_init.has_listeners(cls) for cls in classes)
        objs = []
        for row in convert(rows):
            if fast and build is not None:
                obj = build(alias, row[start:end])
            else:
                obj = model_cls.from_db(alias, init_list, row[start:end])
            if fast:
                for populate in related:
                    populate(row, obj)
            else:
                for populator in related_populators:
                    populator.populate(row, obj)
            for attr_name, col_pos in annotations:
                setattr(obj, attr_name, row[col_pos])
            objs.append(obj)
        if prefetch_lookups and objs:
            prefetch_related_objects(objs, *prefetch_lookups)
        return objs

    return finish


def _populated_classes(populators):
    for populator in populators:
        yield populator.model_cls
        yield from _populated_classes(populator.related_populators)


def _plain_instances(cls) -> bool:
    """Whether ``cls.from_db`` amounts to writing the values into a new instance's ``__dict__``: Django's
    own ``__init__``, ``from_db`` and ``__setattr__``, and on every column either Django's plain
    ``DeferredAttribute`` (no ``__set__``) or ``ForeignKeyDeferredAttribute`` (whose ``__set__`` only
    forgets a cached related object, which a new instance does not have). Anything else — a Wagtail
    page (modelcluster's ``__init__``), a StreamField or a file field (descriptors that convert on
    set) — is built by Django."""
    plain = _PLAIN.get(cls)
    if plain is None:
        plain = (
            cls.__init__ is Model.__init__
            and getattr(cls.from_db, "__func__", None) is Model.from_db.__func__
            and cls.__setattr__ is object.__setattr__
            and not cls._meta.abstract
            and all(type(inspect.getattr_static(cls, field.attname, None)) in _PLAIN_DESCRIPTORS
                    for field in cls._meta.concrete_fields)
        )
        _PLAIN[cls] = plain
    return plain


_PLAIN: dict[type, bool] = {}
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _builder(cls, init_list):
    """``lambda alias, values: cls.from_db(alias, init_list, values)`` without ``Model.__init__``
    (~15 µs an instance), or None where that would not give the same instance."""
    if not _plain_instances(cls):
        return None
    concrete = [field.attname for field in cls._meta.concrete_fields]
    # Model.from_db: all the columns in their order, or the loaded ones in the columns' order.
    names = concrete if len(init_list) == len(concrete) else [name for name in concrete if name in init_list]
    new = cls.__new__

    def build(alias, values):
        obj = new(cls)
        state = ModelState()
        state.adding = False
        state.db = alias
        attributes = obj.__dict__
        attributes["_state"] = state
        attributes.update(zip(names, values, strict=True))
        return obj

    return build


def _fast_populator(populator):
    """``RelatedPopulator.populate`` (django/db/models/query.py) with ``_builder``'s instances."""
    build = _builder(populator.model_cls, populator.init_list)
    children = [_fast_populator(child) for child in populator.related_populators]
    reorder = populator.reorder_for_init
    cols_start, cols_end = (0, 0) if reorder else (populator.cols_start, populator.cols_end)
    pk_idx, db, model_cls, init_list = populator.pk_idx, populator.db, populator.model_cls, populator.init_list
    local_setter, remote_setter = populator.local_setter, populator.remote_setter

    def populate(row, from_obj):
        obj_data = reorder(row) if reorder else row[cols_start:cols_end]
        if obj_data[pk_idx] is None:
            obj = None
        else:
            obj = build(db, obj_data) if build is not None else model_cls.from_db(db, init_list, obj_data)
            for child in children:
                child(row, obj)
        local_setter(from_obj, obj)
        if obj is not None:
            remote_setter(obj, from_obj)

    return populate


def _rows_finisher(compiler, *, flat: bool):
    convert = _converter(compiler)

    def finish(rows, alias):
        converted = convert(rows)
        if flat:
            return [row[0] for row in converted]
        return [tuple(row) for row in converted]

    return finish

