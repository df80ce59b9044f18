"""New rows written together: on PostgreSQL one statement for all of them, instead of one each (ADR 0017).

A submission writes six or more new rows: its case, the case's events, the confirmation message and its
first event, the submission. Saved one by one, each costs Django's save machinery, a round trip and a
statement for PostgreSQL to parse and plan; together those were about half of a submission's cost. Here
they are written as one ``WITH r0 AS (INSERT ...), r1 AS (INSERT ... SELECT ... FROM r0) ...`` statement.

* A row whose foreign key points at an earlier unsaved row of the same write gets that row's new key
  inside the statement.
* Every row is written only if the first one is. A first row refused by a unique index (ON CONFLICT DO
  NOTHING) writes nothing and raises ``FirstRowRefused``, so the caller can try again with, say, another
  case reference, inside the same transaction and without a savepoint.
* Other engines (SQLite) write the same rows, prepared the same way, one statement each.

Values are prepared as Django's insert compiler prepares them: ``pre_save`` (``auto_now``) and then
``get_db_prep_save``. No ``save()`` signals are sent; Townhall has no receivers (DESIGN.md rule 5).

Services call ``insert(row)``. Inside ``inserts_held()`` (or ``core.services.audit.written_together()``,
which holds the write's audit events too) the row is held and written when the block ends; outside it is
saved at once, as before.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connections, models, transaction
from django.db.models import Field, ForeignKey, Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

from townhall.core.postgresql.binding import wrapped_binding_cursor
from townhall.core.transactions import statement_commits_itself

M = TypeVar("M", bound=Model)


class FirstRowRefused(Exception):
    """The first row was refused by a unique index, so nothing was written."""


@dataclasses.dataclass
class Tail:
    """More of the one statement, after the rows (PostgreSQL only): common table expressions that may read
    the rows' (``r0``, ``r1``... each with its ``key``), their parameters in order, and expressions for the
    statement to return after the rows' keys. Write ``EXISTS (SELECT 1 FROM r0, ...)`` into them to run
    after every row is written and only if the rows were."""

    ctes: list[str] = dataclasses.field(default_factory=list)
    params: list[Any] = dataclasses.field(default_factory=list)
    results: list[str] = dataclasses.field(default_factory=list)


_held = threading.local()


def holding() -> bool:
    """Whether ``insert`` is holding rows for an ``inserts_held()`` block."""
    return getattr(_held, "rows", None) is not None


@dataclasses.dataclass(frozen=True)
class _Attribute:
    """How ``Model.__init__`` sets one field's value on a new instance, worked out once per model."""

    field: Field[Any, Any]
    name: str
    attname: str
    foreign_key: ForeignKey[Any, Any] | None  # set from a related instance given by ``name``
    direct: bool  # no descriptor with ``__set__`` on the class: the value goes straight into ``__dict__``


@functools.cache
def _attributes(model: type[Model]) -> tuple[_Attribute, ...]:
    found = []
    for field in model._meta.fields:  # the fields Model.__init__ sets from keyword arguments, in its order
        if field.column is None or field.generated:
            continue
        descriptor = inspect.getattr_static(model, field.attname, None)
        foreign_key = field if isinstance(field, ForeignKey) else None
        found.append(_Attribute(field, field.name, field.attname, foreign_key, not hasattr(descriptor, "__set__")))
    return tuple(found)


def new_row(model: type[M], **values: Any) -> M:
    """``model(**values)``, for a row a service is about to ``insert``, without Django's ``Model.__init__``.

    A submission makes eight new instances; ``__init__`` looks every field up by name in the keyword
    arguments, sends two signals and sets each value through ``setattr``, which was about 7% of a submission's
    web CPU. This sets the same attributes from a plan made once per model: a value given by name, or by a
    foreign key's ``_id`` name, else the field's default. A related instance goes through Django's descriptor
    as before (its type checked, the instance cached, both ways for a one-to-one). Anything else in ``values``
    must be a property of the model. A model with its own ``__init__``, or with ``pre_init`` or ``post_init``
    receivers, is made by ``model(**values)``. ``tests/core/test_inserts.py`` checks both make the same row.
    """
    if model.__init__ is not Model.__init__ or pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model(**values)
    row = model.__new__(model)
    row._state = ModelState()
    attributes = row.__dict__
    for attribute in _attributes(model):
        if attribute.foreign_key is not None and attribute.name in values:
            setattr(row, attribute.name, values.pop(attribute.name))
            continue
        value = values.pop(attribute.attname) if attribute.attname in values else attribute.field.get_default()
        if attribute.direct:
            attributes[attribute.attname] = value
        else:
            setattr(row, attribute.attname, value)
    for name, value in values.items():
        if name not in model._meta._property_names:  # type: ignore[attr-defined]  # Django's, not in its stubs
            raise TypeError(f"{model.__name__}() got an unexpected keyword argument {name!r}")
        setattr(row, name, value)
    return row


def insert(row: M) -> M:
    """Write a new row: at once, or when the enclosing ``inserts_held()`` block ends."""
    rows: list[Model] | None = getattr(_held, "rows", None)
    if rows is None:
        row.save(force_insert=True)
    else:
        rows.append(row)
    return row


def insert_many(rows: list[M]) -> list[M]:
    """Write new rows of one model: in one ``bulk_create`` now, or when the ``inserts_held()`` block ends."""
    held: list[Model] | None = getattr(_held, "rows", None)
    if held is not None:
        held.extend(rows)
    elif rows:
        type(rows[0])._default_manager.bulk_create(rows)
    return rows


@contextmanager
def inserts_held(using: str = "default") -> Iterator[None]:
    """Hold the rows given to ``insert`` and write them together, in order, as the block ends.

    Use it inside ``transaction.atomic()``. If the block raises, nothing it held is written. A nested block
    joins the outer one. ``FirstRowRefused`` comes from the end of the block.
    """
    if holding():
        yield
        return
    with rows_held(using) as rows:
        yield
    insert_together(rows, using=using)


@contextmanager
def rows_held(using: str = "default") -> Iterator[list[Model]]:
    """Hold the rows given to ``insert`` in this block and hand them to the caller, who writes them."""
    if holding():
        raise RuntimeError("rows are already held by an enclosing block")
    with held_list(_held, "rows", using) as rows:
        yield rows


@contextmanager
def held_list(local: threading.local, name: str, using: str = "default") -> Iterator[list[Any]]:
    """A list kept on ``local.<name>`` for the block, for writes held until it ends (rows here, audit events in
    ``core.services.audit``). Held writes join a transaction, so the block must run inside one."""
    if not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError("a block that holds writes must run inside transaction.atomic()")
    items: list[Any] = []
    setattr(local, name, items)
    try:
        yield items
    finally:
        setattr(local, name, None)


def insert_together(rows: Sequence[Model], *, using: str = "default", tail: Tail | None = None) -> list[Any]:
    """Write new rows, each only if the first is; ``FirstRowRefused`` if a unique index refuses the first.

    Returns what the ``tail`` asked for (PostgreSQL only; ``[]`` without one).
    """
    if not rows:
        return []
    connection = connections[using]
    if tail is not None and connection.vendor != "postgresql":
        raise ValueError("a tail is written only on PostgreSQL")
    if connection.vendor == "postgresql":
        found = _one_statement(rows, connection, tail or Tail())
    else:
        found = _statement_each(rows, connection)
    mark_saved(rows, found[: len(rows)], using)
    return found[len(rows) :]


def mark_saved(rows: Sequence[Model], keys: Sequence[Any], using: str) -> None:
    """Give rows written by hand their keys, and tell Django they are saved, as ``save()`` would."""
    for row, key in zip(rows, keys, strict=True):
        row.pk = key
        row._state.adding = False
        row._state.db = using


@functools.cache
def _fields(model: type[Model]) -> list[Field[Any, Any]]:
    opts = model._meta
    return [f for f in opts.concrete_fields if f is not opts.auto_field]


@functools.cache
def _foreign_keys(model: type[Model]) -> list[ForeignKey[Any, Any]]:
    return [f for f in _fields(model) if isinstance(f, ForeignKey)]


def _links(row: Model, earlier: Sequence[Model]) -> list[tuple[Field[Any, Any], Model]]:
    """The foreign keys of ``row`` that point at a row written before it in this write, and those rows.

    A foreign key to a row saved since it was assigned takes that row's key now, as ``save()`` would; one
    to a row that is not saved and not written earlier is refused.
    """
    links: list[tuple[Field[Any, Any], Model]] = []
    for field in _foreign_keys(type(row)):
        if getattr(row, field.attname) is not None:
            continue
        parent = field.get_cached_value(row, default=None)
        if parent is None:
            continue
        if any(parent is other for other in earlier):
            links.append((field, parent))
        elif parent.pk is not None:
            setattr(row, field.attname, parent.pk)
        else:
            raise ValueError(f"{type(row).__name__}.{field.name} points at a row that is not written before it")
    return links


# Field classes (exactly these, not their subclasses) whose preparation hands back a value of these types, or
# None, unchanged on every engine: ``pre_save`` reads the attribute, and ``get_db_prep_save`` returns the
# very object. Their values skip Django's preparation, which was about a tenth of a submission's web CPU; any
# other field, or a value of any other type, is prepared by Django as before. Integer fields are not here: on
# PostgreSQL Django wraps their values as Int2, Int4 or Int8, and a plain int would change the parameter
# types psycopg prepares the statement with.
_AS_IS: dict[type[Field[Any, Any]], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.EmailField: (str,),
    models.SlugField: (str,),
    models.BooleanField: (bool,),
}


def _as_is(field: Field[Any, Any]) -> tuple[type, ...]:
    """The value types ``field`` would pass through unchanged; none for a field Django must prepare.

    A foreign key to an integer key counts: Django prepares it as the key field, which hands back the int."""
    if isinstance(field, ForeignKey):
        target = field.target_field
        return (int,) if type(target) in (models.AutoField, models.BigAutoField) else ()
    return _AS_IS.get(type(field), ())


_TEXT_TYPES = ("varchar", "char", "text", "citext")


@dataclasses.dataclass(frozen=True)
class _Column:
    """How one column's value is read from a row and written, worked out once per model and engine."""

    field: Field[Any, Any]
    attname: str
    as_is: tuple[type, ...]  # value types written as they are (``_as_is``)
    own_placeholder: Any  # the field's ``get_placeholder(value, compiler, connection)``, if it has one
    placeholder: str  # ``%s``, typed on PostgreSQL (``_placeholder``)

    def sql(self, row: Model, connection: Any) -> tuple[str, Any]:
        """The column's SQL and its one parameter: the value as Django's insert compiler prepares it."""
        value = getattr(row, self.attname) if self.as_is else None
        if not self.as_is or (value is not None and type(value) not in self.as_is):
            value = self.field.get_db_prep_save(self.field.pre_save(row, add=True), connection=connection)
        if self.own_placeholder is not None:
            return self.own_placeholder(value, None, connection), value
        return self.placeholder, value


def _placeholder(field: Field[Any, Any], connection: Any) -> str:
    """``%s``, typed on PostgreSQL: a parameter bound on the server (``_one_statement``) in an
    ``INSERT ... SELECT`` would otherwise be text, which a timestamp, number or JSON column refuses.

    Text stays untyped: a cast to varchar(n) would cut a long value short, where the column's own check
    refuses it.
    """
    if connection.vendor != "postgresql":
        return "%s"
    db_type = field.db_type(connection) or "text"
    return "%s" if db_type.startswith(_TEXT_TYPES) else f"%s::{db_type}"


@dataclasses.dataclass(frozen=True)
class _Table:
    """A model's ``INSERT INTO t (columns)``, its ``RETURNING id AS key`` and its columns, in ``_fields`` order."""

    into: str
    returning: str
    columns: list[_Column]


_tables: dict[tuple[type[Model], str], _Table] = {}


def _table(model: type[Model], connection: Any) -> _Table:
    """Worked out once per model class and engine, which hash cheaply: a submission writes about a hundred
    values, and looking each field up in a cache (a field's hash is a Python call) cost a few per cent of it."""
    key = (model, connection.vendor)
    found = _tables.get(key)
    if found is None:
        qn = connection.ops.quote_name
        fields = _fields(model)
        found = _tables[key] = _Table(
            into=f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)})",
            returning=f"RETURNING {qn(model._meta.pk.column)} AS key",  # type: ignore[union-attr]
            columns=[
                _Column(f, f.attname, _as_is(f), getattr(f, "get_placeholder", None), _placeholder(f, connection))
                for f in fields
            ],
        )
    return found


def _values(
    row: Model, connection: Any, linked: dict[str, tuple[str, list[Any]]] | None = None
) -> tuple[list[str], list[Any]]:
    """The row's values as SQL and parameters, column by column; ``linked`` gives SQL (and its parameters)
    for some columns, by attribute name."""
    sql: list[str] = []
    params: list[Any] = []
    for column in _table(type(row), connection).columns:
        if linked and column.attname in linked:
            linked_sql, linked_params = linked[column.attname]
            sql.append(linked_sql)
            params.extend(linked_params)
        else:
            value_sql, value = column.sql(row, connection)
            sql.append(value_sql)
            params.append(value)
    return sql, params


def insert_sql(rows: Sequence[Model], connection: Any, *, unless_taken: bool = False) -> tuple[str, list[Any]]:
    """``INSERT ... VALUES (...), (...) RETURNING`` the keys, as ``key``, of new rows of one model.

    ``unless_taken`` adds ON CONFLICT DO NOTHING: a row a unique index refuses is left out, with no error.
    """
    model = type(rows[0])
    params: list[Any] = []
    tuples = []
    for row in rows:
        sql, row_params = _values(row, connection)
        tuples.append(f"({', '.join(sql)})")
        params.extend(row_params)
    conflict = " ON CONFLICT DO NOTHING" if unless_taken else ""
    table = _table(model, connection)
    return f"{table.into} VALUES {', '.join(tuples)}{conflict} {table.returning}", params


def insert_select_sql(
    row: Model, connection: Any, sources: str, linked: dict[str, tuple[str, list[Any]]], also: Sequence[str] = ()
) -> tuple[str, list[Any]]:
    """``INSERT ... SELECT <values> FROM <sources> RETURNING`` the key (and the columns ``also`` names): one
    new row, some of its columns given as SQL over ``sources`` (``linked``, by attribute name)."""
    values, params = _values(row, connection, linked)
    table = _table(type(row), connection)
    returning = table.returning + "".join(f", {connection.ops.quote_name(column)}" for column in also)
    return f"{table.into} SELECT {', '.join(values)} FROM {sources} {returning}", params  # noqa: S608


def _one_statement(rows: Sequence[Model], connection: Any, tail: Tail) -> list[Any]:
    """``WITH r0 AS (INSERT ...), r1 AS (INSERT ... SELECT ... FROM r0) ... SELECT r0.key, r1.key ...``"""
    position = {id(row): i for i, row in enumerate(rows)}
    _links(rows[0], [])  # nothing earlier to point at: takes keys of rows saved since, refuses unsaved ones
    first_sql, params = insert_sql(rows[:1], connection, unless_taken=True)
    ctes = [f"r0 AS ({first_sql})"]
    links: list[tuple[Model, Field[Any, Any], Model]] = []
    for i, row in enumerate(rows[1:], start=1):
        row_links = _links(row, rows[:i])
        links += [(row, fk, parent) for fk, parent in row_links]
        parents = {fk.attname: position[id(parent)] for fk, parent in row_links}
        sources = ", ".join(f"r{n}" for n in sorted({0, *parents.values()}))  # r0: only if the first was written
        sql, row_params = insert_select_sql(
            row, connection, sources, {a: (f"r{n}.key", []) for a, n in parents.items()}
        )
        ctes.append(f"r{i} AS ({sql})")
        params.extend(row_params)
    keys = ", ".join([*(f"r{i}.key" for i in range(len(rows))), *tail.results])
    tables = ", ".join(f"r{i}" for i in range(len(rows)))
    # Bound on the server and prepared once per connection (its text is the same for every submission to a
    # service), so PostgreSQL neither parses nor plans it again. Only quoted table and column names, casts
    # and r0, r1... are spliced in: every value is a parameter.
    # Inside atomic_write() it may be the whole transaction, committed as it ends (ADR 0018).
    cursor = wrapped_binding_cursor(connection)
    with statement_commits_itself(connection):
        cursor.execute(
            f"WITH {', '.join([*ctes, *tail.ctes])} SELECT {keys} FROM {tables}",  # noqa: S608
            [*params, *tail.params],
        )
        found = cursor.fetchone()
        if found is None:
            raise FirstRowRefused(type(rows[0]).__name__)
    for row, fk, parent in links:  # the keys the statement gave the rows they point at
        setattr(row, fk.attname, found[position[id(parent)]])
    return list(found)


def _statement_each(rows: Sequence[Model], connection: Any) -> list[Any]:
    keys: list[Any] = []
    with connection.cursor() as cursor:
        for i, row in enumerate(rows):
            for field, parent in _links(row, rows[:i]):
                setattr(row, field.attname, parent.pk)  # written already: rows go in order
            cursor.execute(*insert_sql([row], connection, unless_taken=i == 0))
            found = cursor.fetchone()
            if found is None:
                raise FirstRowRefused(type(rows[0]).__name__)
            keys.append(found[0])
            row.pk = found[0]  # for the rows after it that point at it
    return keys
