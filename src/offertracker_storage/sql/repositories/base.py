"""The shared shape of a sync SQL repository, and the registry units of work are built from.

Repositories are plain sync classes over a SQLAlchemy ``Connection``: one
instance per call, built by the bridge in :mod:`..uow`, which runs the call in
one worker-thread hop (SQLite) or one ``run_sync`` (PostgreSQL). Keeping the SQL
sync means it is written once for both backends.

A repository registers itself by being defined: a class with ``port = "name"``
serves ``uow.name`` (one of the core's ``ports.repository_names()``), and every
:class:`CrudRepository` serves ``uow.owned(<its entity>)``. A plain owned
resource therefore needs nothing but its class::

    class SqlContacts(CrudRepository[Contact]):
        mapper = Mapper(Contact, contacts)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from sqlalchemy import Connection, Select, bindparam, delete, insert, select, update

from offertracker_core import pages

from ..page_budget import content_size, rows_within_budget
from ..prepared import Prepared
from ..rows import Mapper

__all__ = ["BY_ENTITY", "BY_PORT", "CrudRepository", "SqlRepository"]

E = TypeVar("E")

BY_PORT: dict[str, type[SqlRepository]] = {}
"""Repository classes by the unit-of-work property they serve (``"applications"``, …)."""
BY_ENTITY: dict[type[Any], type[CrudRepository[Any]]] = {}
"""Repository classes of owned entities (tables with ``user_id``), for ``uow.owned(entity)``."""


class SqlRepository:
    """A repository bound to one connection for the duration of one call."""

    port: ClassVar[str | None] = None
    """The unit-of-work property this class serves, if it has a name of its own."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        port = cls.__dict__.get("port")
        if port is not None:
            if port in BY_PORT:
                raise TypeError(f"{cls.__name__} and {BY_PORT[port].__name__} both serve uow.{port}")
            BY_PORT[port] = cls


class CrudRepository(SqlRepository, Generic[E]):
    """Insert, fetch by id (with or without a row lock), replace and delete an entity stored in one
    table keyed by ``id``; list a user's rows when the table has ``user_id``.

    Statements are built once per class with bound parameters: constructing a
    SQLAlchemy statement costs more than running it on SQLite, and a prebuilt
    one also hits the compiled cache without recomputing its key shape.
    """

    mapper: ClassVar[Mapper[Any]]
    _select_all: ClassVar[Select[Any]]
    _by_id: ClassVar[Prepared]
    _by_id_locked: ClassVar[Prepared]
    _for_user: ClassVar[dict[frozenset[str], Prepared]]
    _insert: ClassVar[Prepared]
    _update: ClassVar[Prepared]
    _delete: ClassVar[Prepared]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        mapper = cls.__dict__.get("mapper")
        if mapper is None:
            return
        table = mapper.table
        cls._select_all = select(*mapper.columns)
        by_id = cls._select_all.where(table.c.id == bindparam("entity_id"))
        cls._by_id = Prepared(by_id)
        # FOR NO KEY UPDATE on PostgreSQL (SQLite's dialect omits it: its writers are serialised
        # already). Not FOR UPDATE: inserting a child takes FOR KEY SHARE on its parent for the
        # foreign-key check, and FOR UPDATE conflicts with that, so two requests that each added a
        # child (an application) and then locked the parent (the user, for the streak) deadlocked.
        # No key ever changes here, and NO KEY UPDATE still excludes every other writer of the row.
        cls._by_id_locked = Prepared(by_id.with_for_update(key_share=True))
        cls._for_user = {}
        if "user_id" in table.c:  # an owned resource: listable per user and reachable by uow.owned()
            BY_ENTITY[mapper.entity] = cls
        # Compiled with every column named: to_row() always gives them all.
        cls._insert = Prepared(insert(table), keys=mapper.names)
        cls._update = Prepared(
            update(table).where(table.c.id == bindparam("entity_id")),
            keys=[name for name in mapper.names if name != "id"],
        )
        cls._delete = Prepared(delete(table).where(table.c.id == bindparam("entity_id")))

    def _one(self, query: Prepared, params: dict[str, Any] | None = None) -> E | None:
        row = query.first(self.conn, params)
        return None if row is None else self.mapper.from_row(row)

    def _all(self, query: Prepared, params: dict[str, Any] | None = None) -> list[E]:
        return list(map(self.mapper.from_row, query.rows(self.conn, params)))

    def add(self, entity: E) -> None:
        """Insert ``entity``; a uniqueness failure surfaces as ``Duplicate`` through the bridge."""
        self._insert.run(self.conn, self.mapper.to_row(entity))

    def get(self, entity_id: UUID) -> E | None:
        """The entity with ``entity_id``, or ``None``."""
        return self._one(self._by_id, {"entity_id": entity_id})

    def get_for_update(self, entity_id: UUID) -> E | None:
        """Like :meth:`get`, and lock the row until the transaction ends."""
        return self._one(self._by_id_locked, {"entity_id": entity_id})

    def update(self, entity: E) -> None:
        """Replace every column of the stored row with ``entity``'s values."""
        values = self.mapper.to_row(entity)
        values["entity_id"] = values.pop("id")
        self._update.run(self.conn, values)

    def delete(self, entity_id: UUID) -> None:
        """Delete the row; the schema's foreign keys cascade to dependants."""
        self._delete.run(self.conn, {"entity_id": entity_id})

    def list_for_user(
        self, user_id: UUID, skip: int, limit: int, *, where: Mapping[str, object] | None = None
    ) -> list[E]:
        """``user_id``'s rows, newest first (``created_at``, then ``id``, descending), narrowed to
        rows whose columns equal the non-``None`` values of ``where``; the page ends early at the
        byte budget of :mod:`offertracker_core.pages` (see :mod:`..page_budget`)."""
        filters = {name: value for name, value in (where or {}).items() if value is not None}
        params: dict[str, Any] = {
            "user_id": user_id,
            "skip": skip,
            "limit": limit,
            "budget": pages.PAGE_BYTES,
        }
        params.update({f"where_{name}": self.mapper.value(name, value) for name, value in filters.items()})
        return self._all(self._page_statement(frozenset(filters)), params)

    @classmethod
    def _page_statement(cls, filtered: frozenset[str]) -> Prepared:
        """The page statement for this set of filtered columns, built once per set."""
        statement = cls._for_user.get(filtered)
        if statement is None:
            table = cls.mapper.table
            if "user_id" not in table.c:
                raise TypeError(f"{cls.mapper.entity.__name__} is not owned by a user")
            unknown = filtered - set(cls.mapper.names)
            if unknown:
                raise ValueError(f"{cls.mapper.entity.__name__} has no field {sorted(unknown)[0]!r}")
            where = [table.c.user_id == bindparam("user_id")]
            where += [table.c[name] == bindparam(f"where_{name}") for name in sorted(filtered)]
            newest_first = (table.c.created_at.desc(), table.c.id.desc())
            narrow = (
                select(table.c.created_at, table.c.id, content_size(table).label("size"))
                .where(*where)
                .order_by(*newest_first)
                .offset(bindparam("skip"))
                .limit(bindparam("limit"))
            )
            statement = Prepared(
                cls._select_all.where(*where)
                .order_by(*newest_first)
                .offset(bindparam("skip"))
                .limit(rows_within_budget(narrow, ("created_at", "id")))
            )
            cls._for_user[filtered] = statement
        return statement
