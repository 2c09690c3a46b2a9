"""The page budget of :mod:`offertracker_core.pages`, applied in the database.

A page's statement counts its rows before reading them: a narrow query walks
the page's rows in order (``LIMIT``/``OFFSET`` as before) reading only their
order keys and content size, a window function adds up the sizes of the rows
ahead of each, and the number of rows kept becomes the page's ``LIMIT``
(:func:`rows_within_budget`). One statement, so both steps see the same rows.
The size comes from stored lengths (``length(CAST(x AS BLOB))`` on SQLite,
``octet_length`` on PostgreSQL, which takes a large value's length from its
header without reading it), so a row past the end is never built, rendered or
sent.

Measured like :func:`offertracker_core.pages.content_bytes`: the UTF-8 bytes of
every text and JSON column (enum columns included) plus ``OBJECT_BYTES`` a row.
PostgreSQL's ``jsonb`` text puts a space after each ``:`` and ``,``, so a JSON
column measures a little larger there than its compact form elsewhere; the
budget is a bound, not an exact count, and only ever errs towards smaller pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Integer, String, bindparam, case, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause, Select
from sqlalchemy.sql.functions import FunctionElement

from offertracker_core import pages

__all__ = ["ZERO", "budget_param", "byte_length", "content_size", "rows_within_budget"]


class byte_length(FunctionElement[int]):  # lower case, like the SQL functions it stands for
    """The UTF-8 size in bytes of a text or JSON value (NULL for NULL)."""

    type = Integer()
    inherit_cache = True


@compiles(byte_length)
def _standard_byte_length(element: byte_length, compiler: SQLCompiler, **kw: Any) -> str:
    # SQL's own name (and what str(statement) shows); SQLite only has it from 3.43.
    return f"octet_length({compiler.process(element.clauses, **kw)})"


@compiles(byte_length, "sqlite")
def _sqlite_byte_length(element: byte_length, compiler: SQLCompiler, **kw: Any) -> str:
    # length() of TEXT counts characters; of a BLOB, bytes. The cast reinterprets the stored UTF-8.
    return f"length(CAST({compiler.process(element.clauses, **kw)} AS BLOB))"


@compiles(byte_length, "postgresql")
def _postgresql_byte_length(element: byte_length, compiler: SQLCompiler, **kw: Any) -> str:
    (argument,) = element.clauses.clauses
    value = compiler.process(argument, **kw)
    if isinstance(argument.type, JSON):  # jsonb has no octet_length of its own
        value = f"CAST({value} AS TEXT)"
    return f"octet_length({value})"


ZERO = literal_column("0", Integer())
"""SQL's 0, written into the statement."""


def content_size(table: FromClause) -> ColumnElement[int]:
    """The content of one row of ``table`` (a table or an alias of one): ``OBJECT_BYTES`` plus the
    byte lengths of its text and JSON columns."""
    measured = [column for column in table.c if isinstance(column.type, String | JSON)]
    # Written into the SQL (not bound): the constant is part of the statement's shape.
    total: ColumnElement[int] = literal_column(str(pages.OBJECT_BYTES), Integer())
    for column in measured:
        total = total + func.coalesce(byte_length(column), ZERO)
    return total


def rows_within_budget(
    narrow: Select[Any], order: Sequence[str], *, descending: bool = True
) -> ColumnElement[int]:
    """How many rows of ``narrow`` a page keeps: a scalar subquery to use as the page's ``LIMIT``.

    ``narrow`` is the page query (its ``LIMIT``/``OFFSET`` included) with the columns ``size``
    and those named in ``order`` (each descending, the page's order; each ascending with
    ``descending=False``), which must order its rows completely. A row is kept while the
    rows ahead of it hold less than ``:budget`` (:func:`budget_param`); those rows are a prefix of
    the page, every size being positive, so their count is the page's length. When the whole
    page fits, as it nearly always does, that is all its rows and the running sums (a window
    function, and a sort) are never computed: ``CASE`` evaluates its ``ELSE`` subquery only when
    reached. As a ``LIMIT`` it leaves the page query as it was (read in index order), where
    joining kept ids back cost more. For a hundred applications of three stages on SQLite the
    count costs 0.3 ms, nearly all of it reading the sizes.
    """
    page = narrow.correlate(None).subquery("page_rows")
    again = narrow.correlate(None).subquery("page_rows_again")
    keys = [again.c[name].desc() if descending else again.c[name].asc() for name in order]
    ahead = func.sum(again.c.size).over(order_by=keys, rows=(None, 0)) - again.c.size
    sizes = select(ahead.label("before")).subquery("page_sizes")
    within = select(func.count()).select_from(sizes).where(sizes.c.before < budget_param())
    everything_fits = func.sum(page.c.size) < budget_param()
    return (
        select(case((everything_fits, func.count()), else_=within.scalar_subquery()))
        .select_from(page)
        .correlate(None)
        .scalar_subquery()
    )


def budget_param() -> Any:
    """The ``:budget`` parameter rows are kept under."""
    return bindparam("budget", type_=Integer())
