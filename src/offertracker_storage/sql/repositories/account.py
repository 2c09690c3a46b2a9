"""Whole accounts (``uow.account``): export pages and an import's bulk writes.

An export page of applications is seven statements however many applications it
holds: the page, then one ``IN (...)`` query per child table (stages, outcomes,
reflections, documents, tag assignments). Pages run oldest first on the
``(user_id, created_at)`` indexes, from the last ``(created_at, id)`` seen
(keyset, so a late page costs what the first does). An import inserts each kind
with multi-row ``INSERT … ON CONFLICT DO NOTHING … RETURNING id`` statements, so a
row that meets a uniqueness rule is left out rather than failing the import.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from itertools import groupby
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import ColumnElement, Select, Table, and_, bindparam, delete, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from offertracker_core.entities import (
    ActivityEntry,
    Application,
    ApplicationDetail,
    ApplicationTag,
    Contact,
    Document,
    Outcome,
    Reflection,
    Reminder,
    ResumeVersion,
    SavedJob,
    Stage,
    Tag,
)
from offertracker_core.ports import ApplicationBundle, Cursor, ImportKey

from ..rows import Mapper
from ..tables import (
    account_import_keys,
    activity_log,
    application_stages,
    application_tags,
    applications,
    contacts,
    documents,
    outcomes,
    reflections,
    reminders,
    resume_versions,
    saved_jobs,
    tags,
)
from .base import SqlRepository

__all__ = ["SqlAccount"]

E = TypeVar("E")

_MAPPERS: dict[type[Any], Mapper[Any]] = {
    entity: Mapper(entity, table)
    for entity, table in (
        (ResumeVersion, resume_versions),
        (Tag, tags),
        (Application, applications),
        (Stage, application_stages),
        (Outcome, outcomes),
        (Reflection, reflections),
        (Document, documents),
        (ApplicationTag, application_tags),
        (Contact, contacts),
        (Reminder, reminders),
        (SavedJob, saved_jobs),
        (ActivityEntry, activity_log),
    )
}
_KIND_TABLES: dict[str, Table] = {
    "resumes": resume_versions,
    "tags": tags,
    "applications": applications,
    "stages": application_stages,
    "outcomes": outcomes,
    "reflections": reflections,
    "documents": documents,
    "tag_assignments": application_tags,
    "contacts": contacts,
    "reminders": reminders,
    "saved_jobs": saved_jobs,
    "activity": activity_log,
}
_BATCH = 1000
"""Ids per ``IN (...)`` list."""
_PARAMETERS = 30_000
"""Bound values per multi-row INSERT: inside SQLite's 32,766 and PostgreSQL's 65,535."""
_keys = account_import_keys.c


def _page(table: Table, columns: Sequence[Any]) -> tuple[Select[Any], Select[Any]]:
    """The first page and a later page of a user's rows of ``table``, oldest first."""
    first = (
        select(*columns)
        .where(table.c.user_id == bindparam("user_id"))
        .order_by(table.c.created_at, table.c.id)
        .limit(bindparam("limit"))
    )
    after = first.where(
        or_(
            table.c.created_at > bindparam("after_at"),
            and_(table.c.created_at == bindparam("after_at"), table.c.id > bindparam("after_id")),
        )
    )
    return first, after


_PAGES = {
    entity: _page(mapper.table, mapper.columns)
    for entity, mapper in _MAPPERS.items()
    if "user_id" in mapper.table.c
}
_CHILDREN: dict[type[Any], Select[Any]] = {
    entity: select(*_MAPPERS[entity].columns)
    .where(_MAPPERS[entity].table.c.application_id.in_(bindparam("ids", expanding=True)))
    .order_by(_MAPPERS[entity].table.c.created_at, _MAPPERS[entity].table.c.id)
    for entity in (Stage, Outcome, Reflection, Document, ApplicationTag)
}
_TAGS_NAMED = select(tags.c.name, tags.c.id).where(
    tags.c.user_id == bindparam("user_id"), tags.c.name.in_(bindparam("names", expanding=True))
)


def _owned_by(table: Table) -> tuple[Any, ColumnElement[bool]]:
    """What to select from and the condition that a row of ``table`` is the user's."""
    if "user_id" in table.c:
        return table, table.c.user_id == bindparam("user_id")
    joined = table.join(applications, applications.c.id == table.c.application_id)
    return joined, applications.c.user_id == bindparam("user_id")


def _known_statements(table: Table) -> tuple[Select[Any], Select[Any]]:
    source, owned = _owned_by(table)
    own = (
        select(table.c.id).select_from(source).where(owned, table.c.id.in_(bindparam("ids", expanding=True)))
    )
    recorded = (
        select(_keys.source_id, _keys.target_id)
        .select_from(account_import_keys.join(source, table.c.id == _keys.target_id))
        .where(
            _keys.user_id == bindparam("user_id"),
            _keys.kind == bindparam("kind"),
            _keys.source_id.in_(bindparam("ids", expanding=True)),
            owned,
        )
    )
    return own, recorded


_KNOWN = {kind: _known_statements(table) for kind, table in _KIND_TABLES.items()}
_FORGET = delete(account_import_keys).where(
    _keys.user_id == bindparam("user_id"),
    _keys.kind == bindparam("kind"),
    _keys.source_id.in_(bindparam("ids", expanding=True)),
)


def _batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SqlAccount(SqlRepository):
    """The ``AccountRepository`` port."""

    port = "account"

    def applications_after(self, user_id: UUID, after: Cursor | None, limit: int) -> list[ApplicationBundle]:
        """A page of applications, oldest first, each with its children (one query per child table)."""
        found = self.owned_after(Application, user_id, after, limit)
        if not found:
            return []
        ids = [application.id for application in found]
        children: dict[type[Any], dict[UUID, list[Any]]] = {}
        for entity, statement in _CHILDREN.items():
            by_parent: dict[UUID, list[Any]] = defaultdict(list)
            mapper = _MAPPERS[entity]
            for row in self.conn.execute(statement, {"ids": ids}):
                child = mapper.from_row(row)
                by_parent[child.application_id].append(child)
            children[entity] = by_parent
        bundles = []
        for application in found:
            outcome = children[Outcome].get(application.id)
            reflection = children[Reflection].get(application.id)
            detail = ApplicationDetail(
                application,
                tuple(children[Stage].get(application.id, ())),
                outcome[0] if outcome else None,
                reflection[0] if reflection else None,
            )
            bundles.append(
                ApplicationBundle(
                    detail,
                    tuple(children[Document].get(application.id, ())),
                    tuple(children[ApplicationTag].get(application.id, ())),
                )
            )
        return bundles

    def owned_after(self, entity: type[E], user_id: UUID, after: Cursor | None, limit: int) -> list[E]:
        """A page of the user's ``entity`` rows after ``after``, oldest first."""
        first, later = _PAGES[entity]
        params: dict[str, Any] = {"user_id": user_id, "limit": limit}
        if after is not None:
            params.update(after_at=after[0], after_id=after[1])
        mapper = _MAPPERS[entity]
        return [mapper.from_row(row) for row in self.conn.execute(first if after is None else later, params)]

    def known(self, user_id: UUID, wanted: Mapping[str, Collection[UUID]]) -> dict[str, dict[UUID, UUID]]:
        """Per kind, the wanted ids held already, mapped to their ids here (two queries per 1,000 ids)."""
        found: dict[str, dict[UUID, UUID]] = {kind: {} for kind in _KIND_TABLES}
        for kind, ids in wanted.items():
            own, recorded = _KNOWN[kind]
            for batch in _batches(list(ids), _BATCH):
                params = {"user_id": user_id, "kind": kind, "ids": list(batch)}
                found[kind].update((row[0], row[1]) for row in self.conn.execute(recorded, params))
                found[kind].update((item, item) for item in self.conn.scalars(own, params))
        return found

    def tags_named(self, user_id: UUID, names: Collection[str]) -> dict[str, UUID]:
        """The user's tags called one of ``names``, by name."""
        found: dict[str, UUID] = {}
        for batch in _batches(list(names), _BATCH):
            found.update(
                (row[0], row[1])
                for row in self.conn.execute(_TAGS_NAMED, {"user_id": user_id, "names": list(batch)})
            )
        return found

    def insert(self, rows: Sequence[Any]) -> set[UUID]:
        """Insert ``rows`` a class at a time, skipping those that break a uniqueness rule."""
        dialect_insert = postgresql.insert if self.conn.dialect.name == "postgresql" else sqlite.insert
        inserted: set[UUID] = set()
        for entity, group in groupby(rows, key=type):
            mapper = _MAPPERS[entity]
            values = [mapper.to_row(row) for row in group]
            per_statement = max(1, _PARAMETERS // len(mapper.names))
            for batch in _batches(values, per_statement):
                statement = (
                    dialect_insert(mapper.table)
                    .values(list(batch))
                    .on_conflict_do_nothing()
                    .returning(mapper.table.c.id)
                )
                inserted.update(self.conn.scalars(statement))
        return inserted

    def remember(self, user_id: UUID, keys: Sequence[ImportKey]) -> None:
        """Replace the records of these source ids with the new ones (a delete per 1,000, an executemany)."""
        by_kind: dict[str, list[UUID]] = defaultdict(list)
        for key in keys:
            by_kind[key.kind].append(key.source_id)
        for kind, ids in by_kind.items():
            for batch in _batches(ids, _BATCH):
                self.conn.execute(_FORGET, {"user_id": user_id, "kind": kind, "ids": list(batch)})
        if keys:
            self.conn.execute(
                insert(account_import_keys),
                [
                    {
                        "user_id": user_id,
                        "kind": key.kind,
                        "source_id": key.source_id,
                        "target_id": key.target_id,
                    }
                    for key in keys
                ],
            )
