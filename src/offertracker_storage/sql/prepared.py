"""Prebuilt statements run straight on the driver's cursor.

SQLAlchemy still does everything but the execution: the statement is written
with SQLAlchemy Core, compiled by SQLAlchemy once per dialect, its parameters
and results converted by the bind and result processors of its own column
types, inside the transaction and on the pooled connection of a SQLAlchemy
``Connection``, and ``before_cursor_execute``/``after_cursor_execute``
listeners still hear every statement. What is skipped is the per-call
execution context (compiled-cache lookup, parameter construction, the result
object): measured on SQLite, a primary-key SELECT costs 65–87 µs through
``Connection.execute`` and 12–15 µs on the driver, and a create runs seven
statements. So the hot statements (lookups by key, the inserts and updates
of a write, the counters) run through :class:`Prepared`; statements built per
call or with expanding ``IN`` lists use ``Connection.execute`` as before.

Driver errors come back wrapped by SQLAlchemy's own ``DBAPIError.instance``, so
``errors.translate`` and every caller see the exceptions ``Connection.execute``
would have raised.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, SelectBase

__all__ = ["Prepared", "run_sql"]

Processor = Callable[[Any], Any]


class _Form:
    """One statement compiled for one dialect: its SQL and how values go in and come out."""

    __slots__ = ("positional", "result", "sql", "to_driver")

    def __init__(self, statement: ClauseElement, dialect: Dialect, keys: Sequence[str] | None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None)
        if not isinstance(compiled, SQLCompiler):
            raise TypeError(f"{type(statement).__name__} does not compile to SQL")
        binds = compiled.binds
        if any(bind.expanding or bind.literal_execute for bind in binds.values()):
            raise TypeError("expanding or literal-execute parameters need Connection.execute")
        if compiled.effective_returning:
            raise TypeError("RETURNING needs Connection.execute (its rows would not be converted)")
        self.sql = compiled.string
        self.positional = compiled.positional
        escaped: Mapping[str, str] = compiled.escaped_bind_names or {}
        order = compiled.positiontup if compiled.positional else list(binds)
        assert order is not None
        # (parameter name, name the driver sees, whether the caller must give it, the statement's
        # own value, processor) per bind parameter.
        self.to_driver: tuple[tuple[str, str, bool, Any, Processor | None], ...] = tuple(
            (
                name,
                escaped.get(name, name),
                binds[name].required,
                binds[name].effective_value,
                binds[name].type.dialect_impl(dialect).bind_processor(dialect),
            )
            for name in order
        )
        result: list[Processor | None] = []
        if isinstance(statement, SelectBase):
            result = [
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in statement.selected_columns
            ]
        self.result: tuple[Processor | None, ...] | None = tuple(result) if any(result) else None

    def arguments(self, params: Mapping[str, Any] | None) -> Sequence[Any] | dict[str, Any]:
        """The driver's parameters for ``params`` (missing names take the statement's own values)."""
        given = params or {}
        values = []
        for name, _, required, literal, process in self.to_driver:
            if name in given:
                value = given[name]
            elif required:  # as Connection.execute: a misspelt name must not quietly mean NULL
                raise ValueError(f"A value is required for bind parameter {name!r}")
            else:
                value = literal
            values.append(value if process is None else process(value))
        if self.positional:
            return tuple(values)
        return {entry[1]: value for entry, value in zip(self.to_driver, values, strict=True)}

    def rows(self, fetched: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        processors = self.result
        if processors is None:
            return [tuple(row) for row in fetched]
        return [
            tuple(
                value if process is None else process(value)
                for process, value in zip(processors, row, strict=True)
            )
            for row in fetched
        ]


class Prepared:
    """A statement built once and run on the driver's cursor of a ``Connection``.

    ``keys`` names the columns an INSERT or UPDATE is given (it is compiled with
    exactly those); a SELECT's rows come back as tuples in its column order.
    """

    __slots__ = ("_forms", "_keys", "statement")

    def __init__(self, statement: ClauseElement, *, keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self._keys = tuple(keys) if keys is not None else None
        # Per dialect object, not dialect name: the processors capture its settings (the JSON
        # serializer, for one), and a weak key lets a disposed engine's dialect go.
        self._forms: weakref.WeakKeyDictionary[Dialect, _Form] = weakref.WeakKeyDictionary()

    def _form(self, dialect: Dialect) -> _Form:
        form = self._forms.get(dialect)
        if form is None:
            form = self._forms[dialect] = _Form(self.statement, dialect, self._keys)
        return form

    def rows(self, conn: Connection, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Run the statement with ``params``; its rows (none for a statement that returns none)."""
        form = self._form(conn.dialect)
        arguments = form.arguments(params)
        cursor = _run(conn, form.sql, arguments, many=False)
        try:
            return form.rows(cursor.fetchall()) if cursor.description is not None else []
        finally:
            cursor.close()

    def first(self, conn: Connection, params: Mapping[str, Any] | None = None) -> tuple[Any, ...] | None:
        """The first row, or ``None``."""
        found = self.rows(conn, params)
        return found[0] if found else None

    def run(self, conn: Connection, params: Mapping[str, Any] | None = None) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        form = self._form(conn.dialect)
        cursor = _run(conn, form.sql, form.arguments(params), many=False)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def run_many(self, conn: Connection, params: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per parameter set, in one driver ``executemany``."""
        form = self._form(conn.dialect)
        cursor = _run(conn, form.sql, [form.arguments(one) for one in params], many=True)
        cursor.close()


def run_sql(conn: Connection, sql: str) -> None:
    """Send ``sql`` (a fixed statement without parameters, such as ``SAVEPOINT x``) to the driver."""
    _run(conn, sql, (), many=False).close()


def _run(conn: Connection, sql: str, arguments: Any, *, many: bool) -> Any:
    if not conn.in_transaction():
        conn.begin()  # autobegin, as Connection.execute does: never a statement outside a transaction
    dispatch = conn.dispatch
    cursor = conn.connection.cursor()
    if dispatch.before_cursor_execute:
        dispatch.before_cursor_execute(conn, cursor, sql, arguments, None, many)
    try:
        if many:
            cursor.executemany(sql, arguments)
        else:
            cursor.execute(sql, arguments)
    except conn.dialect.loaded_dbapi.Error as error:
        cursor.close()
        raise DBAPIError.instance(
            sql, arguments, error, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
        ) from error
    if dispatch.after_cursor_execute:
        dispatch.after_cursor_execute(conn, cursor, sql, arguments, None, many)
    return cursor
