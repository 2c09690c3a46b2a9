"""Rows to entities and back.

Each entity class gets a ``Mapper`` built once from its attrs fields and type
hints: enum columns come back as the core's ``StrEnum``, JSON lists as tuples
where the entity says ``tuple``, and datetimes as aware UTC (SQLite stores
them without an offset, so we always write UTC and re-attach it on the way
out). Going in, enums become their plain wire strings so no driver has to
guess how to adapt a ``StrEnum``.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import attrs
from sqlalchemy import Table

__all__ = ["Mapper", "aware"]

E = TypeVar("E")


def aware(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (naive values are taken to be UTC already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


def _base_type(hint: Any) -> Any:
    # ``X | None`` -> ``X``; everything else unchanged.
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


def _readers_writers(hint: Any) -> tuple[Callable[[Any], Any] | None, Callable[[Any], Any] | None]:
    base = _base_type(hint)
    if base is datetime:
        return _optional(aware), _optional(aware)
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return _optional(base), _optional(lambda value: base(value).value)
    if typing.get_origin(base) is tuple:
        return _optional(tuple), _optional(list)
    return None, None


class Mapper(Generic[E]):
    """Converts between rows of ``table`` and instances of the attrs class ``entity``."""

    def __init__(self, entity: type[E], table: Table) -> None:
        hints = typing.get_type_hints(entity)
        self.entity = entity
        self.table = table
        self.names = tuple(field.name for field in attrs.fields(entity))
        self.columns = tuple(table.c[name] for name in self.names)
        self._readers: list[tuple[str, Callable[[Any], Any]]] = []
        self._writers: list[tuple[str, Callable[[Any], Any]]] = []
        for name in self.names:
            reader, writer = _readers_writers(hints[name])
            if reader is not None:
                self._readers.append((name, reader))
            if writer is not None:
                self._writers.append((name, writer))

    def from_row(self, row: Mapping[str, Any]) -> E:
        """Build the entity from a row mapping (extra columns are ignored)."""
        values = {name: row[name] for name in self.names}
        for name, convert in self._readers:
            values[name] = convert(values[name])
        return self.entity(**values)

    def to_row(self, entity: E) -> dict[str, Any]:
        """The column values of ``entity``, ready for an INSERT or UPDATE."""
        values = {name: getattr(entity, name) for name in self.names}
        for name, convert in self._writers:
            values[name] = convert(values[name])
        return values
