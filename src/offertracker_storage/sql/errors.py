"""Translate driver errors into the core's: ``Duplicate``, ``Contention`` and ``Unavailable``.

``translate`` is the one entry point; the units of work call it on every
failed hop.

- A unique-constraint ``IntegrityError`` becomes ``Duplicate`` naming what was
  duplicated as ``"table.col[,col]"`` on both backends: SQLite says ``UNIQUE
  constraint failed: t.a, t.b``; PostgreSQL names the constraint in
  ``diag.constraint_name``, which the naming convention of :mod:`.tables` maps
  back to its columns.
- A PostgreSQL deadlock (40P01), serialization failure (40001) or lock-wait
  timeout (55P03), and SQLite's "database is locked" after its busy timeout,
  become ``Contention``, which ``ServiceContext.write`` retries. So does a
  foreign-key violation (PostgreSQL 23503, SQLite "FOREIGN KEY constraint
  failed"): services check every reference before they write it, without
  locking the referenced row (the lock order of the core's ports), so a
  violation means a concurrent transaction deleted that row in between; the
  retry's own check then answers the documented 404.
- A statement stopped by its time limit becomes ``Unavailable`` (a 503): SQLite
  reports ``SQLITE_INTERRUPT`` (raised by the progress handler of
  :mod:`.sqlite`), PostgreSQL ``query_canceled`` (57014) from ``statement_timeout``.

Anything else (a failed check constraint, a bug) passes through unchanged.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator

from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy.exc import DBAPIError, IntegrityError

from offertracker_core.errors import Contention, Duplicate, Unavailable

from .tables import metadata

__all__ = ["TOO_SLOW", "as_duplicate", "translate", "translated_errors"]

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<cols>[\w.]+(?:, [\w.]+)*)")
_PG_UNIQUE_VIOLATION = "23505"
_PG_CONTENTION = frozenset({"40P01", "40001", "55P03", "23503"})
_SQLITE_CONTENTION = ("database is locked", "FOREIGN KEY constraint failed")
_PG_QUERY_CANCELED = "57014"

TOO_SLOW = "The database took too long to answer"
"""The ``detail`` of the 503 a statement past its time limit turns into."""


def _constraint_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for table in metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint) and constraint.name:
                columns = ",".join(column.name for column in constraint.columns)
                names[str(constraint.name)] = f"{table.name}.{columns}"
    return names


_BY_CONSTRAINT = _constraint_names()


def as_duplicate(error: IntegrityError) -> Duplicate | None:
    """Return the ``Duplicate`` that ``error`` means, or ``None`` if it is not a uniqueness failure."""
    orig = error.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:  # psycopg
        if getattr(orig, "sqlstate", None) != _PG_UNIQUE_VIOLATION:
            return None
        name = diag.constraint_name or ""
        return Duplicate(_BY_CONSTRAINT.get(name, name))
    match = _SQLITE_UNIQUE.search(str(orig))
    if match is None:
        return None
    qualified = match["cols"].split(", ")
    table = qualified[0].split(".", 1)[0]
    columns = ",".join(item.split(".", 1)[1] for item in qualified)
    return Duplicate(f"{table}.{columns}")


def translate(error: Exception) -> Exception | None:
    """The core exception a driver ``error`` stands for, or ``None`` to let it pass unchanged.

    ``error`` is SQLAlchemy's wrapper or, for the statements sent straight to the
    driver (SQLite's ``BEGIN IMMEDIATE``), the ``sqlite3`` error itself.
    """
    if isinstance(error, IntegrityError) and (duplicate := as_duplicate(error)) is not None:
        return duplicate
    orig: object = None
    if isinstance(error, DBAPIError):
        orig = error.orig
    elif isinstance(error, sqlite3.OperationalError):
        orig = error
    if orig is not None:
        sqlstate = getattr(orig, "sqlstate", None)
        if (
            sqlstate == _PG_QUERY_CANCELED
            or getattr(orig, "sqlite_errorcode", None) == sqlite3.SQLITE_INTERRUPT
        ):
            return Unavailable(TOO_SLOW)
        if sqlstate in _PG_CONTENTION:
            return Contention()
        message = str(orig)
        if any(sign in message for sign in _SQLITE_CONTENTION):
            return Contention()
    return None


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    """Re-raise a driver error raised inside the block as the core exception it stands for."""
    try:
        yield
    except Exception as error:
        core = translate(error)
        if core is None:
            raise
        raise core from error
