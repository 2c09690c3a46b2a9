"""The shared shape of a sync SQL repository.

Repositories are plain sync classes over a SQLAlchemy ``Connection``: one
instance per call, built by the bridge in :mod:`..uow`, which runs the call in
one worker-thread hop (SQLite) or one ``run_sync`` (PostgreSQL). Keeping the SQL
sync means it is written once for both backends.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from sqlalchemy import Connection, Delete, Insert, Select, Update, bindparam, delete, insert, select, update

from ..rows import Mapper

__all__ = ["CrudRepository", "SqlRepository"]

E = TypeVar("E")


class SqlRepository:
    """A repository bound to one connection for the duration of one call.

    ``lock_rows`` is true inside write units of work: a row read there by id is
    usually rewritten whole, so reading it takes the row lock (``FOR UPDATE`` on
    PostgreSQL, where READ COMMITTED would otherwise let two requests overwrite
    each other; SQLite's writers are serialised already and its dialect omits the
    clause).
    """

    def __init__(self, conn: Connection, *, lock_rows: bool = False) -> None:
        self.conn = conn
        self.lock_rows = lock_rows


class CrudRepository(SqlRepository, Generic[E]):
    """Insert, fetch by id, replace and delete for an entity stored in one table keyed by ``id``.

    Statements are built once per class with bound parameters: constructing a
    SQLAlchemy statement costs more than running it on SQLite, and a prebuilt
    one also hits the compiled cache without recomputing its key shape.
    """

    mapper: ClassVar[Mapper[Any]]
    _select_all: ClassVar[Select[Any]]
    _by_id: ClassVar[Select[Any]]
    _by_id_locked: ClassVar[Select[Any]]
    _insert: ClassVar[Insert]
    _update: ClassVar[Update]
    _delete: ClassVar[Delete]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        mapper = cls.__dict__.get("mapper")
        if mapper is None:
            return
        table = mapper.table
        cls._select_all = select(*mapper.columns)
        cls._by_id = cls._select_all.where(table.c.id == bindparam("entity_id"))
        cls._by_id_locked = cls._by_id.with_for_update()
        cls._insert = insert(table)
        cls._update = update(table).where(table.c.id == bindparam("entity_id"))
        cls._delete = delete(table).where(table.c.id == bindparam("entity_id"))

    def _select(self) -> Select[Any]:
        return self._select_all

    def _one(self, query: Select[Any], params: dict[str, Any] | None = None) -> E | None:
        row = self.conn.execute(query, params).first()
        return None if row is None else self.mapper.from_row(row)

    def _all(self, query: Select[Any], params: dict[str, Any] | None = None) -> list[E]:
        return list(map(self.mapper.from_row, self.conn.execute(query, params).all()))

    def add(self, entity: E) -> None:
        """Insert ``entity``; a uniqueness failure surfaces as ``Duplicate`` through the bridge."""
        self.conn.execute(self._insert, self.mapper.to_row(entity))

    def get(self, entity_id: UUID) -> E | None:
        """The entity with ``entity_id``, or ``None`` (locked until commit in a write unit of work)."""
        return self._one(self._by_id_locked if self.lock_rows else self._by_id, {"entity_id": entity_id})

    def update(self, entity: E) -> None:
        """Replace every column of the stored row with ``entity``'s values."""
        values = self.mapper.to_row(entity)
        values["entity_id"] = values.pop("id")
        self.conn.execute(self._update, values)

    def delete(self, entity_id: UUID) -> None:
        """Delete the row; the schema's foreign keys cascade to dependants."""
        self.conn.execute(self._delete, {"entity_id": entity_id})
