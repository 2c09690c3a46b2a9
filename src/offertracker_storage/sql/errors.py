"""Translate driver errors into the core's: ``Duplicate`` and ``Unavailable``.

A statement stopped by its time limit becomes ``Unavailable`` (a 503): SQLite
reports ``SQLITE_INTERRUPT`` (raised by the progress handler of
:mod:`.sqlite`), PostgreSQL ``query_canceled`` (57014) from ``statement_timeout``.

A unique-constraint ``IntegrityError`` becomes ``Duplicate``.

Both backends are reduced to the same ``"table.col[,col]"`` name: SQLite says
``UNIQUE constraint failed: t.a, t.b`` in its message; PostgreSQL names the
constraint in ``diag.constraint_name``, which the naming convention of
:mod:`.tables` lets us map back to its columns. Other integrity errors (a
missing foreign key, a failed check) are not duplicates and pass through.
"""

from __future__ import annotations

import re
import sqlite3

from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy.exc import IntegrityError, OperationalError

from offertracker_core.errors import Duplicate, Unavailable

from .tables import metadata

__all__ = ["TOO_SLOW", "as_duplicate", "as_unavailable"]

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<cols>[\w.]+(?:, [\w.]+)*)")
_PG_UNIQUE_VIOLATION = "23505"
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


def as_unavailable(error: OperationalError) -> Unavailable | None:
    """Return ``Unavailable`` if ``error`` is a statement stopped by its time limit, else ``None``."""
    orig = error.orig
    stopped = (
        getattr(orig, "sqlite_errorcode", None) == sqlite3.SQLITE_INTERRUPT
        or getattr(orig, "sqlstate", None) == _PG_QUERY_CANCELED
    )
    return Unavailable(TOO_SLOW) if stopped else None
