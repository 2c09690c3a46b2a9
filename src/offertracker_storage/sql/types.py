"""Column types that read SQLite's text values quickly: dates, datetimes (aware UTC) and UUIDs.

SQLAlchemy's SQLite ``DATETIME`` and ``DATE`` parse every stored string with a
regular expression; a page of a hundred applications with their stages holds
over a thousand of them. The stored text is ISO 8601 (``2026-03-01
09:30:00.123000``, written by SQLAlchemy from UTC values), which the C
``fromisoformat`` parses several times faster. Other dialects keep
SQLAlchemy's own processing, and the column types in the database and in
migrations stay plain ``DATETIME``/``DATE``/``CHAR(32)``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, SafeUUID

from sqlalchemy import Date, DateTime, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["HexUuid", "IsoDate", "UtcDateTime"]


def _sqlite_datetime(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _sqlite_date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


_new_object = object.__new__
_set_attribute = object.__setattr__
_UNKNOWN = SafeUUID.unknown


def _sqlite_uuid(value: str | None) -> UUID | None:
    # The stored text is the 32 hex digits SQLAlchemy wrote, so UUID()'s parsing of
    # prefixes, braces and dashes (over half its cost) is skipped: build the object
    # from its integer as UUID.__init__ itself does, at 0.36 us instead of 0.72 us,
    # for the ~800 ids of a page of applications.
    if value is None:
        return None
    uuid = _new_object(UUID)
    _set_attribute(uuid, "int", int(value, 16))
    _set_attribute(uuid, "is_safe", _UNKNOWN)
    return uuid


class HexUuid(TypeDecorator[UUID]):
    """``Uuid``; on SQLite, stored hex digits come back as ``UUID`` without re-parsing."""

    impl = Uuid()
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _sqlite_uuid
        return super().result_processor(dialect, coltype)


class UtcDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)``; on SQLite, rows come back as aware UTC via ``fromisoformat``."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _sqlite_datetime
        return super().result_processor(dialect, coltype)


class IsoDate(TypeDecorator[date]):
    """``Date``; on SQLite, rows come back via ``date.fromisoformat``."""

    impl = Date()
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _sqlite_date
        return super().result_processor(dialect, coltype)
