"""Rows to entities and back.

Each entity class gets a ``Mapper`` built once from its attrs fields and type
hints, with a generated positional reader: enum columns come back as the
core's ``StrEnum``, JSON lists as tuples where the entity says ``tuple``,
and datetimes as aware UTC (SQLite stores them without an offset, so we always
write UTC; :mod:`.types` re-attaches it on the way out). Going in, enums
become their plain wire strings so no driver has to guess how to adapt a
``StrEnum``.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import attrs
from sqlalchemy import Table

__all__ = ["Mapper", "aware"]

E = TypeVar("E", bound=attrs.AttrsInstance)


def aware(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (naive values are taken to be UTC already)."""
    tz = value.tzinfo
    if tz is UTC:
        return value
    if tz is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _base_type(hint: Any) -> Any:
    # ``X | None`` -> ``X``; everything else unchanged.
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


def _reader(hint: Any) -> Callable[[Any], Any] | None:
    base = _base_type(hint)
    if base is datetime:
        return aware
    if isinstance(base, type) and issubclass(base, enum.Enum):
        # A dict lookup is several times cheaper than calling the enum class.
        return {member.value: member for member in base}.__getitem__
    if typing.get_origin(base) is tuple:
        return tuple
    return None


def _writer(hint: Any) -> Callable[[Any], Any] | None:
    base = _base_type(hint)
    if base is datetime:
        return aware
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return lambda value: base(value).value
    if typing.get_origin(base) is tuple:
        return list
    return None


def _compile_reader(entity: type[E], readers: Sequence[Callable[[Any], Any] | None]) -> Callable[[Any], E]:
    """Generate ``from_row(row) -> entity`` reading the row positionally, like attrs generates ``__init__``.

    Pages of a hundred applications with their stages map thousands of values per
    request; one straight-line function per entity, with converters bound as
    defaults and ``None`` passed through, is the cheapest way to do it in Python.
    """
    namespace: dict[str, Any] = {"_entity": entity}
    args = []
    for index, reader in enumerate(readers):
        if reader is None:
            args.append(f"row[{index}]")
        else:
            namespace[f"_r{index}"] = reader
            args.append(f"(None if (v{index} := row[{index}]) is None else _r{index}(v{index}))")
    source = "def from_row(row):\n    return _entity(" + ", ".join(args) + ")\n"
    exec(compile(source, f"<rows from_row {entity.__qualname__}>", "exec"), namespace)
    from_row: Callable[[Any], E] = namespace["from_row"]  # generated above, so typed by hand
    return from_row


class Mapper(Generic[E]):
    """Converts between rows of ``table`` and instances of the attrs class ``entity``.

    Queries select ``*mapper.columns`` (the entity's fields, in order), so a row
    is read by position.
    """

    def __init__(self, entity: type[E], table: Table) -> None:
        hints = typing.get_type_hints(entity)
        self.entity = entity
        self.table = table
        self.names = tuple(field.name for field in attrs.fields(entity))
        self.columns = tuple(table.c[name] for name in self.names)
        self.from_row: Callable[[Any], E] = _compile_reader(entity, [_reader(hints[n]) for n in self.names])
        self._writers = [(name, w) for name in self.names if (w := _writer(hints[name])) is not None]
        self._writer_of = dict(self._writers)

    def value(self, name: str, value: Any) -> Any:
        """``value`` of the field ``name`` as its column stores it (an enum as its string, …)."""
        convert = self._writer_of.get(name)
        return value if value is None or convert is None else convert(value)

    def to_row(self, entity: E) -> dict[str, Any]:
        """The column values of ``entity``, ready for an INSERT or UPDATE."""
        values = {name: getattr(entity, name) for name in self.names}
        for name, convert in self._writers:
            value = values[name]
            if value is not None:
                values[name] = convert(value)
        return values
