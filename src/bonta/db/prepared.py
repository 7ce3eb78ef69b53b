"""Hot fixed-shape queries compiled to SQL once, then run with new values.

Django turns a queryset into SQL afresh on every evaluation; for the queries a sign-off or an
API request runs every time (the token lookup, the plan with its vials' draws, the history,
the consent check) that compilation costs more than the query itself (the plan query: 1.6 ms
of Python to 0.05 ms of SQLite). A `Statement` is such a query written as an ordinary
queryset function of named values. The first run in a thread, on a connection, builds it with
*markers* (one unique value per name), compiles it, and remembers where each marker landed in
the parameters; every later run swaps the new values in (prepared for the database by the same
model field the filter names) and hands the remembered SQL to Django's own iterables, so the
results are exactly what the queryset gives: model instances with their select_related rows
and annotations, or `values_list` tuples, converted by the same converters.

Only equality-shaped values are allowed: a marker must appear in the compiled parameters as
itself, prepared by its field (so no `__in` lists, no `__contains`). `Statement.check` compares
the remembered SQL and parameters with a fresh compilation of the queryset (tests run it for
every statement on both engines), and a statement refuses to compile when a marker does not
land exactly where its value goes.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model, QuerySet
from django.db.transaction import TransactionManagementError

T = TypeVar("T")

# Every statement made at import time, for the tests that compare each with the ORM's SQL.
ALL: list[Statement[Any]] = []


@dataclass
class _Compiled:
    connection: Any  # the thread's DatabaseWrapper this was compiled for
    template: QuerySet[Any]
    compiler: Any
    sql: str
    params: tuple[Any, ...]
    slots: dict[str, list[int]]  # name -> positions of its value in params
    for_update: bool


class Statement(Generic[T]):
    """A queryset function of named values (each prepared by `fields[name]`), compiled once
    per thread and connection; `run(**values)` gives the queryset's rows as a list."""

    def __init__(self, build: Callable[..., QuerySet[Any]], **fields: Field[Any, Any]) -> None:
        self.build = build
        self.fields = fields
        self._local = threading.local()
        ALL.append(self)

    def run(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[T]:
        if values.keys() != self.fields.keys():
            raise TypeError(f"{self.build.__qualname__} takes {sorted(self.fields)}")
        compiled = self._compiled(using)
        connection = compiled.connection
        if (
            compiled.for_update
            and connection.features.has_select_for_update
            and connection.get_autocommit()
        ):  # as Django's compiler refuses it
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(compiled.params)
        for name, positions in compiled.slots.items():
            prepared = _prepare(self.fields[name], values[name], connection)
            for at in positions:
                params[at] = prepared
        sql = compiled.sql
        compiled.compiler.as_sql = lambda *args, **kwargs: (sql, tuple(params))
        # A fresh queryset on the remembered query: Django's own iterable for its kind
        # (models, values, values_list) builds the rows; its compiler is the remembered one.
        template = compiled.template
        queryset = QuerySet(model=template.model, query=template.query, using=using)
        queryset._iterable_class = template._iterable_class
        queryset._fields = template._fields
        return list(queryset)

    def _compiled(self, using: str) -> _Compiled:
        connection = connections[using]
        cache: dict[str, _Compiled] = self._local.__dict__.setdefault("by_alias", {})
        found = cache.get(using)
        if found is None or found.connection is not connection:
            found = cache[using] = self._compile(using)
        return found

    def _compile(self, using: str) -> _Compiled:
        connection = connections[using]
        markers = {name: _marker(field) for name, field in self.fields.items()}
        template = self.build(**markers).using(using)
        query = template.query
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        prepared = {name: _prepare(self.fields[name], m, connection) for name, m in markers.items()}
        slots: dict[str, list[int]] = {name: [] for name in markers}
        for at, param in enumerate(params):
            for name, value in prepared.items():
                if type(param) is type(value) and param == value:
                    slots[name].append(at)
        missing = [name for name, positions in slots.items() if not positions]
        if missing:
            raise ValueError(
                f"{self.build.__qualname__}: {missing} not found as parameters of its SQL "
                "(a Statement takes values compared for equality, each prepared by its field)"
            )
        query.get_compiler = lambda *args, **kwargs: compiler  # this query is never cloned
        return _Compiled(
            connection, template, compiler, sql, tuple(params), slots, bool(query.select_for_update)
        )

    def check(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> tuple[Any, Any]:
        """(the remembered SQL and parameters for `values`, the ORM's own for the same)."""
        compiled = self._compiled(using)
        params = list(compiled.params)
        for name, positions in compiled.slots.items():
            for at in positions:
                params[at] = _prepare(self.fields[name], values[name], compiled.connection)
        fresh = self.build(**values).using(using).query.get_compiler(using=using).as_sql()
        return (compiled.sql, tuple(params)), (fresh[0], tuple(fresh[1]))


def _prepare(field: Field[Any, Any], value: Any, connection: Any) -> Any:
    target = field.target_field if field.is_relation else field
    return target.get_db_prep_value(target.get_prep_value(value), connection, prepared=True)


_MARKER_EPOCH = datetime(1901, 1, 1, tzinfo=UTC)


def _marker(field: Field[Any, Any]) -> Any:
    """A value of the field's kind that nothing else in a query will equal."""
    target = field.target_field if field.is_relation else field
    kind = target.get_internal_type()
    if kind == "UUIDField":
        return uuid.uuid4()
    if kind == "DateTimeField":
        return _MARKER_EPOCH + timedelta(microseconds=uuid.uuid4().int % 10**12)
    if kind in ("CharField", "TextField"):
        return f"\x1fbonta-marker-{uuid.uuid4().hex}"
    raise TypeError(f"no marker for a {kind} ({field})")


def field_of(model: type[Model], name: str) -> Field[Any, Any]:
    """The field `name` of `model` (a Statement's value is prepared by it)."""
    return model._meta.get_field(name)
