"""How large one page of a list may grow: the byte budget every list of rows keeps.

A page holds at most ``limit`` rows (1,000 at most) and every row is bounded by
the input bounds of :mod:`offertracker_core.inputs`, yet a thousand maximal
rows, each an application with fifty maximal stages, would still be gigabytes.
So a page also ends early: it keeps rows, in order, until the one whose content
takes it past :data:`PAGE_BYTES`, and stops after that row. It always holds at
least one row when any is left, so paging on with ``skip`` advanced by the
number of rows received reaches every row; a client that takes a short page
for the last one misses rows only beyond 8 MiB of content in a single page,
which a real job search does not reach (a thousand applications with 6 KB of
text each is 6 MB).

The *content* of a row (:func:`content_bytes`) is the UTF-8 size of its text
fields (enum strings included) and of the compact JSON of its list and JSON
fields, plus :data:`OBJECT_BYTES` for each object it renders as (the keys, ids,
dates and numbers around the texts); an application's content includes its
stages, outcome and reflection, and a tag's assignment includes the tag. Every
storage adapter measures it the same way (the SQL adapter in the database, from
the stored lengths, without rendering a row it will not keep).

Why this bounds the response: JSON writes a text in at most twice its UTF-8
bytes (the only escapes left are those of ``"``, ``\\``, tab, line feed and
carriage return; other control characters are refused on input), so a page's
JSON is at most ``2 × (PAGE_BYTES + the largest row's content)``.
``tests/http/test_page_budget.py`` computes that largest row from the declared
bounds and holds the whole at most 32 MiB.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

import attrs

from .entities import ApplicationDetail

__all__ = ["OBJECT_BYTES", "PAGE_BYTES", "content_bytes", "within_budget"]

T = TypeVar("T")

PAGE_BYTES = 8 * 1024 * 1024
"""A page stops after the row that takes its content past this many bytes."""

OBJECT_BYTES = 1024
"""What each object of a row counts for besides its texts: more than the JSON of an object's
keys, ids, dates, numbers and nulls (an application's is about 600 bytes)."""

# Values that are structure, counted in OBJECT_BYTES rather than measured.
_STRUCTURE = (bool, int, float, UUID, date, datetime)


def _value_bytes(value: Any) -> int:
    if value is None or isinstance(value, _STRUCTURE):
        return 0
    if isinstance(value, str):  # enum strings too: the SQL adapter measures their columns alike
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, Enum):
        return _value_bytes(value.value)
    if attrs.has(type(value)):  # a nested entity (an assignment's tag) is an object of its own
        return content_bytes(value)
    # Lists and JSON documents, measured as stored: compact JSON with real UTF-8.
    encoded = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return len(encoded.encode("utf-8", "surrogatepass"))


def content_bytes(row: Any) -> int:
    """The content of one row of a list (an entity, or an ``ApplicationDetail`` with its children)."""
    if isinstance(row, ApplicationDetail):
        children = [row.application, *row.stages, row.outcome, row.reflection]
        return sum(content_bytes(child) for child in children if child is not None)
    own = sum(_value_bytes(getattr(row, field.name)) for field in attrs.fields(type(row)))
    return OBJECT_BYTES + own


def within_budget(rows: Iterable[T], size: Callable[[T], int] = content_bytes) -> list[T]:
    """``rows`` up to and including the one whose content takes the page past :data:`PAGE_BYTES`.

    For adapters that hold their rows in Python (the in-memory fake); the SQL
    adapter applies the same rule in the database.
    """
    kept: list[T] = []
    total = 0
    for row in rows:
        if total >= PAGE_BYTES:
            break
        kept.append(row)
        total += size(row)
    return kept
