"""Applications rendered as JSON by the database: the read model of the list and detail endpoints.

The list is the API's heaviest read: a hundred applications with their stages
are about 400 entities that would be built in Python only to be serialised
straight back. Here the database writes the page in the API's wire format
instead (the read side of CQRS, as in *Architecture Patterns with Python*,
chapter 12), and the GIL stays free while it does. One application's
detail is the same object on its own, with its owner for the ownership check.

The SQL is generated per dialect from the same ``Mapper`` field lists as the
entities, with one formatter per column type, so a field added to an entity
appears here too. ``tests/contract/test_application_pages.py`` holds this
rendering equal to the converter's rendering of ``list_details`` and
``get_detail`` on both databases (``tests/storage/test_json_spelling.py``:
SQLite's, byte for byte).

PostgreSQL builds ``json`` values (``json_build_object``, ``json_agg``).
SQLite 3.40 has no binary JSON: its ``json_object`` takes a nested object as a
string unless it is wrapped in ``json(...)``, which parses it again, so the page
used to be parsed three times over as it was nested. The SQLite spelling writes
JSON text and parses none: each object is one ``printf`` whose format holds the
keys and punctuation and whose arguments are the values already written as
JSON (``json_quote`` for text and numbers, hex ids and stored datetimes cut
into the wire format by ``%.Ns`` conversions, JSON columns as stored), and
arrays are ``group_concat`` of those. One ``printf`` per object rather than a
``||`` chain: some fifty ``||`` per object, each allocating and copying the
string so far, measured no faster than the parsing they replaced. For 100 applications of 3 stages
the statement went from 4.1 ms to 3.1 ms (their plain rows take 0.7 ms; about
1 ms of the rest is cutting 1,100 ids into their dashed form).

How many applications a page holds is decided first, from their stored sizes
(:func:`applications_within_budget`, :mod:`..page_budget`): a page ends after
the application that takes it past ``offertracker_core.pages.PAGE_BYTES``, and
only the applications it keeps are rendered. That count costs about 0.25 ms of
the statement for a hundred applications of three stages.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    Select,
    String,
    Table,
    Text,
    TextualSelect,
    bindparam,
    column,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from offertracker_core.entities import Application, Outcome, Reflection, Stage

from ..page_budget import ZERO, content_size, rows_within_budget
from ..rows import Mapper
from ..tables import application_stages, applications, outcomes, reflections
from ..types import HexUuid, IsoDate, UtcDateTime

__all__ = ["applications_within_budget", "detail_json_statement", "newest_first", "page_json_statement"]

V = TypeVar("V")
"""How a dialect holds a field's value until its object is written."""


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class _Dialect(ABC, Generic[V]):
    """How one dialect spells the pieces of the JSON."""

    orders_in_aggregate: bool
    """Whether the aggregate takes ORDER BY itself (else it keeps its ordered input's order)."""

    @abstractmethod
    def value(self, ref: str, column: Column[Any]) -> V:
        """The value of ``column``, read as ``ref`` (``alias.column``)."""

    @abstractmethod
    def embed(self, subquery: str) -> V:
        """A subquery's one JSON value (``null`` when it finds no row), embedded as JSON."""

    @abstractmethod
    def object(self, fields: Sequence[tuple[str, V]]) -> str:
        """An object of ``fields`` (name, value), in their order."""

    @abstractmethod
    def array(self, value: str, order: str) -> str:
        """An aggregate of JSON values into an array (``[]`` when there are none), in ``order``."""

    @abstractmethod
    def as_text(self, value: str) -> str:
        """A JSON value as the text the statement returns."""


# --- SQLite: JSON text written by printf, never parsed ------------------------------------


@dataclass(frozen=True)
class _Printf:
    """A value's JSON text as a piece of a printf format and the SQL arguments its conversions take."""

    format: str
    args: tuple[str, ...]


# SQLite allows 127 arguments to a function; an object with more values is written
# by several printf calls, joined.
_PRINTF_ARGS = 100


def _sqlite_uuid(ref: str) -> _Printf:
    # Stored as 32 hex digits; %.Ns takes the first N characters of each cut.
    cuts = [f"substr({ref},{start})" for start in (9, 13, 17, 21)]
    return _Printf('"%.8s-%.4s-%.4s-%.4s-%s"', (ref, *cuts))


def _sqlite_datetime(ref: str) -> _Printf:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC). Text surgery rather than strftime:
    # it truncates to milliseconds exactly as the converter does, where strftime('%f')
    # would round through a floating-point day number.
    return _Printf('"%.10sT%.12sZ"', (ref, f"substr({ref},12)"))


def _sqlite_text(expression: str) -> _Printf:
    """An expression that is JSON text already."""
    return _Printf("%s", (expression,))


def _or_null(ref: str, column: Column[Any], value: _Printf) -> _Printf:
    """``value``, or ``null`` where a nullable ``ref`` is NULL (printf writes NULL as nothing)."""
    if not column.nullable:
        return value
    return _sqlite_text(f"CASE WHEN {ref} IS NULL THEN 'null' ELSE {_printf(value.format, value.args)} END")


class _Sqlite(_Dialect[_Printf]):
    orders_in_aggregate = False

    def value(self, ref: str, column: Column[Any]) -> _Printf:
        kind = column.type
        if isinstance(kind, HexUuid):
            return _or_null(ref, column, _sqlite_uuid(ref))
        if isinstance(kind, UtcDateTime):
            return _or_null(ref, column, _sqlite_datetime(ref))
        if isinstance(kind, JSON):
            # Stored as the JSON text orjson wrote (NULL or 'null' for None): embedded as it is.
            return _sqlite_text(f"coalesce({ref},'null')")
        if isinstance(kind, Boolean):
            # Stored as 0 or 1.
            return _sqlite_text(f"(CASE {ref} WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE 'null' END)")
        if isinstance(kind, String | IsoDate | Integer):
            # json_quote escapes text byte for byte as orjson does, writes an integer as a
            # number and NULL as null; dates are stored as their ISO text. Not floats:
            # SQLite writes 15 significant digits where orjson writes the shortest exact ones.
            return _sqlite_text(f"json_quote({ref})")
        raise TypeError(
            f"no SQLite JSON spelling for {column.table.name}.{column.name} of type {kind!r};"
            " add one to application_pages (floats need digits SQLite's text of a REAL drops)"
        )

    def embed(self, subquery: str) -> _Printf:
        return _sqlite_text(f"coalesce({subquery},'null')")

    def object(self, fields: Sequence[tuple[str, _Printf]]) -> str:
        calls: list[str] = []
        pattern = ""
        args: list[str] = []
        for index, (name, value) in enumerate(fields):
            if len(args) + len(value.args) > _PRINTF_ARGS:
                calls.append(_printf(pattern, args))
                pattern, args = "", []
            # Keys are written as JSON once, here; '%' in them would be a conversion.
            key = json.dumps(name).replace("%", "%%")
            pattern += ("{" if index == 0 else ",") + key + ":" + value.format
            args += value.args
        calls.append(_printf(pattern + "}", args))
        return calls[0] if len(calls) == 1 else "(" + "||".join(calls) + ")"

    def array(self, value: str, order: str) -> str:
        # SQLite 3.40 has no ORDER BY inside aggregates; group_concat keeps the order of
        # the ordered subquery it reads from (an aggregate's ordered subquery is not
        # flattened into it), so the order goes there.
        return f"('['||coalesce(group_concat({value},','),'')||']')"

    def as_text(self, value: str) -> str:
        return value


def _printf(pattern: str, args: Sequence[str]) -> str:
    return f"printf({', '.join([_sql_string(pattern), *args])})"


# --- PostgreSQL: json values built by the database ---------------------------------------


class _PostgreSql(_Dialect[str]):
    orders_in_aggregate = True

    def value(self, ref: str, column: Column[Any]) -> str:
        kind = column.type
        if isinstance(kind, HexUuid):
            return f"CAST({ref} AS TEXT)"
        if isinstance(kind, UtcDateTime):
            return f"""to_char({ref} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
        if isinstance(kind, JSON):
            return f"CAST({ref} AS JSON)"
        return ref

    def embed(self, subquery: str) -> str:
        return subquery

    def object(self, fields: Sequence[tuple[str, str]]) -> str:
        return f"json_build_object({', '.join(f'{_sql_string(name)}, {value}' for name, value in fields)})"

    def array(self, value: str, order: str) -> str:
        return f"coalesce(json_agg({value} ORDER BY {order}), CAST('[]' AS JSON))"

    def as_text(self, value: str) -> str:
        return f"CAST({value} AS TEXT)"


_DIALECTS: dict[str, _Dialect[Any]] = {"sqlite": _Sqlite(), "postgresql": _PostgreSql()}
_STAGE_ORDER = "s.stage_date IS NULL, s.stage_date, s.created_at, s.id"
# Where PostgreSQL aggregates the page's rows: the page's own order again.
_AGGREGATE_ORDER = "p.created_at DESC, p.id DESC"


def _fields(sql: _Dialect[V], mapper: Mapper[Any], alias: str) -> list[tuple[str, V]]:
    """``mapper``'s fields, in entity order, with their values read from ``alias``."""
    return [(column.name, sql.value(f"{alias}.{column.name}", column)) for column in mapper.columns]


def _stages(sql: _Dialect[V]) -> V:
    stage = sql.object(_fields(sql, Mapper(Stage, application_stages), "s"))
    of_application = "FROM application_stages s WHERE s.application_id = a.id"
    if sql.orders_in_aggregate:
        return sql.embed(f"(SELECT {sql.array(stage, _STAGE_ORDER)} {of_application})")
    rows = f"SELECT {stage} AS j {of_application} ORDER BY {_STAGE_ORDER}"
    return sql.embed(f"(SELECT {sql.array('x.j', _STAGE_ORDER)} FROM ({rows}) x)")


def _one_per_application(sql: _Dialect[V], mapper: Mapper[Any]) -> V:
    body = sql.object(_fields(sql, mapper, "c"))
    return sql.embed(f"(SELECT {body} FROM {mapper.table.name} c WHERE c.application_id = a.id)")


def _application(sql: _Dialect[V]) -> str:
    """The ApplicationResponse object of the application row ``a``: its fields, then its children."""
    return sql.object(
        [
            *_fields(sql, Mapper(Application, applications), "a"),
            ("stages", _stages(sql)),
            ("outcome", _one_per_application(sql, Mapper(Outcome, outcomes))),
            ("reflection", _one_per_application(sql, Mapper(Reflection, reflections))),
        ]
    )


def _one_child_size(table: Table) -> ColumnElement[int]:
    found = select(content_size(table)).where(table.c.application_id == applications.c.id)
    return func.coalesce(found.scalar_subquery(), ZERO)


def _where(table: FromClause, *, by_status: bool, by_priority: bool) -> list[ColumnElement[bool]]:
    """The page's filters on the applications ``table`` (or an alias of it)."""
    where = [table.c.user_id == bindparam("user_id")]
    if by_status:
        where.append(table.c.status == bindparam("status"))
    if by_priority:
        where.append(table.c.priority == bindparam("priority"))
    return where


def newest_first(table: FromClause) -> tuple[ColumnElement[Any], ...]:
    """The order of a page of applications: newest first, ties broken by id, descending."""
    return (table.c.created_at.desc(), table.c.id.desc())


@cache
def applications_within_budget(*, by_status: bool, by_priority: bool) -> ColumnElement[int]:
    """How many applications of the page (``LIMIT :limit OFFSET :skip`` of the user's, filtered by
    ``:status``/``:priority`` when asked) fit the budget, each counted with its stages, outcome and
    reflection: the ``LIMIT`` of the read model and of ``SqlApplications.list_details`` alike, so
    both end a page at the same application (:mod:`..page_budget`).
    """
    stages = select(func.coalesce(func.sum(content_size(application_stages)), ZERO)).where(
        application_stages.c.application_id == applications.c.id
    )
    size = (
        content_size(applications)
        + stages.scalar_subquery()
        + _one_child_size(outcomes)
        + _one_child_size(reflections)
    )
    narrow = (
        select(applications.c.created_at, applications.c.id, size.label("size"))
        .where(*_where(applications, by_status=by_status, by_priority=by_priority))
        .order_by(*newest_first(applications))
        .offset(bindparam("skip"))
        .limit(bindparam("limit"))
    )
    return rows_within_budget(narrow, ("created_at", "id"))


@cache
def page_json_statement(dialect: str, *, by_status: bool, by_priority: bool) -> Select[Any]:
    """The statement whose one value is the page as a JSON array of ApplicationResponse objects.

    Parameters: ``user_id``, ``skip``, ``limit``, ``budget``, and ``status``/``priority`` when
    filtered; the same rows in the same order as ``SqlApplications.list_details``, ended by the
    budget (:func:`applications_within_budget`) before any is rendered.
    """
    sql = _DIALECTS[dialect]
    a = applications.alias("a")
    page = (
        select(literal_column(_application(sql)).label("j"), a.c.created_at, a.c.id)
        .where(*_where(a, by_status=by_status, by_priority=by_priority))
        .order_by(*newest_first(a))
        .offset(bindparam("skip"))
        .limit(applications_within_budget(by_status=by_status, by_priority=by_priority))
        .subquery("p")
    )
    return select(literal_column(sql.as_text(sql.array("p.j", _AGGREGATE_ORDER)))).select_from(page)


@cache
def detail_json_statement(dialect: str) -> TextualSelect:
    """The statement whose row is the application's owner and its ApplicationResponse object.

    Parameter: ``application_id``. Columns: ``user_id`` (a ``UUID``, for the
    caller's ownership check) and ``j``, the object as JSON text, exactly one
    element of a page; no row when there is no such application.
    """
    sql = _DIALECTS[dialect]
    statement = (
        f"SELECT a.user_id AS user_id, {sql.as_text(_application(sql))} AS j "
        "FROM applications a WHERE a.id = :application_id"
    )
    return (
        text(statement)
        .bindparams(bindparam("application_id", type_=HexUuid()))
        .columns(column("user_id", HexUuid()), column("j", Text()))
    )
