"""A page of applications rendered as JSON by the database: the read model of the list endpoint.

The list is the API's heaviest read: a hundred applications with their stages
are about 400 entities that would be built in Python only to be serialised
straight back. Here the database writes the page in the API's wire format
instead (the read side of CQRS, as in *Architecture Patterns with Python*,
chapter 12), and the GIL stays free while it does.

The SQL is generated per dialect from the same ``Mapper`` field lists as the
entities, with one formatter per column type, so a field added to an entity
appears here too. ``tests/storage/test_application_pages.py`` holds this
rendering equal to the converter's rendering of ``list_details`` on both
databases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import JSON, TextClause, bindparam, text

from offertracker_core.entities import Application, Outcome, Reflection, Stage

from ..rows import Mapper
from ..tables import application_stages, applications, outcomes, reflections
from ..types import HexUuid, UtcDateTime

__all__ = ["page_json_statement"]


@dataclass(frozen=True)
class _JsonSql:
    """How one dialect spells the pieces of the page's JSON."""

    uuid: Callable[[str], str]
    datetime: Callable[[str], str]
    json: Callable[[str], str]
    object: str
    embed: Callable[[str], str]
    """A subquery's JSON value, embedded as JSON rather than as a string."""
    array: Callable[[str, str], str]
    """An aggregate of JSON values into an array (``[]`` when there are none), in an order."""
    orders_in_aggregate: bool
    """Whether the aggregate takes ORDER BY itself (else it keeps its ordered input's order)."""


def _sqlite_uuid(column: str) -> str:
    # Stored as 32 hex digits.
    parts = [(1, 8), (9, 4), (13, 4), (17, 4), (21, 12)]
    return "(" + "||'-'||".join(f"substr({column},{start},{length})" for start, length in parts) + ")"


def _sqlite_datetime(column: str) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC). Text surgery rather than strftime:
    # it truncates to milliseconds exactly as the converter does, where strftime('%f')
    # would round through a floating-point day number.
    return f"(substr({column},1,10)||'T'||substr({column},12,12)||'Z')"


_SQLITE = _JsonSql(
    uuid=_sqlite_uuid,
    datetime=_sqlite_datetime,
    json=lambda column: f"json({column})",
    object="json_object",
    embed=lambda subquery: f"json({subquery})",
    # SQLite 3.40 has no ORDER BY inside aggregates; json_group_array keeps the
    # order of the ordered subquery it reads from, so the order goes there.
    array=lambda value, _order: f"coalesce(json_group_array(json({value})), json('[]'))",
    orders_in_aggregate=False,
)

_POSTGRESQL = _JsonSql(
    uuid=lambda column: f"CAST({column} AS TEXT)",
    datetime=lambda column: f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')""",
    json=lambda column: f"CAST({column} AS JSON)",
    object="json_build_object",
    embed=lambda subquery: subquery,
    array=lambda value, order: f"coalesce(json_agg({value} ORDER BY {order}), CAST('[]' AS JSON))",
    orders_in_aggregate=True,
)

_DIALECTS = {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}
_STAGE_ORDER = "s.stage_date IS NULL, s.stage_date, s.created_at, s.id"
# Newest first, as SqlApplications.list_details: inside the page query, then again
# where PostgreSQL aggregates its rows.
_PAGE_ORDER = "a.created_at DESC, a.id DESC"
_AGGREGATE_ORDER = "p.created_at DESC, p.id DESC"


def _object(sql: _JsonSql, mapper: Mapper[Any], alias: str, extra: str = "") -> str:
    """``json_object('field', <formatted column>, ...)`` over ``mapper``'s fields, in entity order."""
    pairs = []
    for column in mapper.columns:
        ref = f"{alias}.{column.name}"
        if isinstance(column.type, HexUuid):
            ref = sql.uuid(ref)
        elif isinstance(column.type, UtcDateTime):
            ref = sql.datetime(ref)
        elif isinstance(column.type, JSON):
            ref = sql.json(ref)
        pairs.append(f"'{column.name}', {ref}")
    return f"{sql.object}({', '.join(pairs)}{extra})"


def _stages(sql: _JsonSql) -> str:
    stage = _object(sql, Mapper(Stage, application_stages), "s")
    of_application = "FROM application_stages s WHERE s.application_id = a.id"
    if sql.orders_in_aggregate:
        return f"(SELECT {sql.array(stage, _STAGE_ORDER)} {of_application})"
    rows = f"SELECT {stage} AS j {of_application} ORDER BY {_STAGE_ORDER}"
    return f"(SELECT {sql.array('x.j', _STAGE_ORDER)} FROM ({rows}) x)"


def _one_per_application(sql: _JsonSql, mapper: Mapper[Any]) -> str:
    body = _object(sql, mapper, "c")
    return sql.embed(f"(SELECT {body} FROM {mapper.table.name} c WHERE c.application_id = a.id)")


@cache
def page_json_statement(dialect: str, *, by_status: bool, by_priority: bool) -> TextClause:
    """The statement whose one value is the page as a JSON array of ApplicationResponse objects.

    Parameters: ``user_id``, ``skip``, ``limit``, and ``status``/``priority``
    when filtered; the same order and filters as ``SqlApplications.list_details``.
    """
    sql = _DIALECTS[dialect]
    children = (
        f", 'stages', {_stages(sql)}"
        f", 'outcome', {_one_per_application(sql, Mapper(Outcome, outcomes))}"
        f", 'reflection', {_one_per_application(sql, Mapper(Reflection, reflections))}"
    )
    application = _object(sql, Mapper(Application, applications), "a", children)
    where = ["a.user_id = :user_id"]
    if by_status:
        where.append("a.status = :status")
    if by_priority:
        where.append("a.priority = :priority")
    page = (
        f"SELECT {application} AS j, a.created_at AS created_at, a.id AS id FROM applications a "
        f"WHERE {' AND '.join(where)} ORDER BY {_PAGE_ORDER} "
        "LIMIT :limit OFFSET :skip"
    )
    statement = f"SELECT CAST({sql.array('p.j', _AGGREGATE_ORDER)} AS TEXT) FROM ({page}) p"
    return text(statement).bindparams(bindparam("user_id", type_=HexUuid()))
