"""Code-point order of text, the same on every backend.

SQLite compares text with its BINARY collation: the bytes of UTF-8, which is
code-point order. PostgreSQL's default collation follows the locale its server
was initialised with (en_US puts "apple" before "Banana", and "Zoe" after
"fol"), so there the column is compared ``COLLATE "C"``. Every list the API
orders by a name goes through :class:`code_point_order`, so both backends
agree (``tests/storage/test_collation.py`` checks it on an ICU-English server).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["code_point_order"]


class code_point_order(FunctionElement[str]):  # lower case, like the SQL it stands for
    """A text column compared by code point: for ``ORDER BY``, or selected as an order key."""

    type = String()
    inherit_cache = True


@compiles(code_point_order)
def _plain(element: code_point_order, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite (and any backend comparing bytes) already orders by code point.
    return compiler.process(element.clauses, **kw)


@compiles(code_point_order, "postgresql")
def _collate_c(element: code_point_order, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.clauses, **kw)} COLLATE "C"'
