"""Social groups and their memberships (``uow.groups``).

A group is read as the API shows it, with its member count, by one statement:
the count is a correlated subquery over the ``group_members`` unique index
``(group_id, user_id)``, so a page of groups costs one statement, not one
count per group. The two lists of groups keep the page budget of
:mod:`offertracker_core.pages` (a description holds up to 20,000 characters);
a page of memberships needs none (no free text in a membership row).

Dissolving a group lets the schema cascade to its memberships and posts, and
first takes them off their users' kept counters in one ``UPDATE`` of
``user_progress``, after locking the group row ``FOR UPDATE``: that waits for
every transaction still inserting a member or a post into it (their foreign-key
check holds the row's key share), so what it uncounts is exactly what the
cascade deletes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, true, update
from sqlalchemy.sql.elements import ColumnElement

from offertracker_core import pages
from offertracker_core.entities import Group, GroupMember
from offertracker_core.ports import GroupView

from ..page_budget import content_size, rows_within_budget
from ..prepared import Prepared
from ..rows import Mapper
from ..tables import group_members, posts, social_groups, user_progress
from .base import CrudRepository

__all__ = ["SqlGroups"]

_groups = Mapper(Group, social_groups)
_members = Mapper(GroupMember, group_members)
_WIDTH = len(_groups.columns)

_member_count = (
    select(func.count())
    .select_from(group_members)
    .where(group_members.c.group_id == social_groups.c.id)
    .correlate(social_groups)
    .scalar_subquery()
    .label("member_count")
)
_viewed = select(*_groups.columns, _member_count)

_VIEW = Prepared(_viewed.where(social_groups.c.id == bindparam("group_id")))
_MEMBERSHIP = Prepared(
    select(*_members.columns).where(
        group_members.c.group_id == bindparam("group_id"), group_members.c.user_id == bindparam("user_id")
    )
)
_ADD_MEMBER = Prepared(insert(group_members), keys=_members.names)
_REMOVE_MEMBER = Prepared(delete(group_members).where(group_members.c.id == bindparam("member_id")))
_MEMBERS = Prepared(
    select(*_members.columns)
    .where(group_members.c.group_id == bindparam("group_id"))
    .order_by(group_members.c.joined_at.asc(), group_members.c.id.asc())
    .offset(bindparam("skip"))
    .limit(bindparam("limit"))
)


def _public_page() -> Prepared:
    public = social_groups.c.is_public == true()
    newest_first = (social_groups.c.created_at.desc(), social_groups.c.id.desc())
    narrow = (
        select(social_groups.c.created_at, social_groups.c.id, content_size(social_groups).label("size"))
        .where(public)
        .order_by(*newest_first)
        .offset(bindparam("skip"))
        .limit(bindparam("limit"))
    )
    return Prepared(
        _viewed.where(public)
        .order_by(*newest_first)
        .offset(bindparam("skip"))
        .limit(rows_within_budget(narrow, ("created_at", "id")))
    )


def _joined_page() -> Prepared:
    joined = social_groups.join(group_members, group_members.c.group_id == social_groups.c.id)
    mine = group_members.c.user_id == bindparam("user_id")
    latest_first = (group_members.c.joined_at.desc(), group_members.c.id.desc())
    narrow = (
        select(group_members.c.joined_at, group_members.c.id, content_size(social_groups).label("size"))
        .select_from(joined)
        .where(mine)
        .order_by(*latest_first)
        .offset(bindparam("skip"))
        .limit(bindparam("limit"))
    )
    return Prepared(
        _viewed.select_from(joined)
        .where(mine)
        .order_by(*latest_first)
        .offset(bindparam("skip"))
        .limit(rows_within_budget(narrow, ("joined_at", "id")))
    )


_PUBLIC_PAGE = _public_page()
_JOINED_PAGE = _joined_page()


_Dissolution = tuple[Prepared, Prepared, Prepared]
"""Lock the groups, uncount what they hold, delete them."""


def _dissolution(doomed: Callable[[Any], ColumnElement[bool]], lock: Any) -> _Dissolution:
    """Lock, uncount and delete the groups whose id satisfies ``doomed(column)``."""
    lock_them = Prepared(select(social_groups.c.id).where(lock).with_for_update())
    mine = user_progress.c.user_id
    memberships = (
        select(func.count())
        .select_from(group_members)
        .where(group_members.c.user_id == mine, doomed(group_members.c.group_id))
        .scalar_subquery()
    )
    written = (
        select(func.count())
        .select_from(posts)
        .where(posts.c.user_id == mine, doomed(posts.c.group_id))
        .scalar_subquery()
    )
    uncount = Prepared(
        update(user_progress)
        .where(
            or_(
                mine.in_(select(group_members.c.user_id).where(doomed(group_members.c.group_id))),
                mine.in_(select(posts.c.user_id).where(doomed(posts.c.group_id))),
            )
        )
        .values(
            groups_joined=user_progress.c.groups_joined - memberships,
            posts=user_progress.c.posts - written,
        )
    )
    return lock_them, uncount, Prepared(delete(social_groups).where(lock))


_DISSOLVE = _dissolution(
    lambda column: column == bindparam("group_id"), social_groups.c.id == bindparam("group_id")
)
_CREATED_BY = select(social_groups.c.id).where(social_groups.c.created_by == bindparam("user_id"))
_DISSOLVE_CREATED_BY = _dissolution(
    lambda column: column.in_(_CREATED_BY), social_groups.c.created_by == bindparam("user_id")
)


def _dissolve(conn: Connection, statements: _Dissolution, params: dict[str, Any]) -> None:
    lock_them, uncount, remove = statements
    lock_them.rows(conn, params)  # held until the unit of work ends
    uncount.run(conn, params)
    remove.run(conn, params)


class SqlGroups(CrudRepository[Group]):
    """Reached as ``uow.groups``; a second membership is ``Duplicate("group_members.group_id,user_id")``."""

    port = "groups"
    mapper = _groups

    def _views(self, query: Prepared, params: dict[str, Any]) -> list[GroupView]:
        return [
            GroupView.of(_groups.from_row(row[:_WIDTH]), row[_WIDTH]) for row in query.rows(self.conn, params)
        ]

    def view(self, group_id: UUID) -> GroupView | None:
        """The group with its member count, in one statement."""
        views = self._views(_VIEW, {"group_id": group_id})
        return views[0] if views else None

    def membership(self, group_id: UUID, user_id: UUID) -> GroupMember | None:
        """``user_id``'s membership of ``group_id``, or ``None``."""
        row = _MEMBERSHIP.first(self.conn, {"group_id": group_id, "user_id": user_id})
        return None if row is None else _members.from_row(row)

    def add_member(self, member: GroupMember) -> None:
        """Insert a membership."""
        _ADD_MEMBER.run(self.conn, _members.to_row(member))

    def remove_member(self, member_id: UUID) -> None:
        """Delete a membership."""
        _REMOVE_MEMBER.run(self.conn, {"member_id": member_id})

    def list_public(self, skip: int, limit: int) -> list[GroupView]:
        """Public groups, newest first, budgeted."""
        return self._views(_PUBLIC_PAGE, {"skip": skip, "limit": limit, "budget": pages.PAGE_BYTES})

    def list_joined(self, user_id: UUID, skip: int, limit: int) -> list[GroupView]:
        """``user_id``'s groups, most recently joined first, budgeted."""
        params = {"user_id": user_id, "skip": skip, "limit": limit, "budget": pages.PAGE_BYTES}
        return self._views(_JOINED_PAGE, params)

    def members(self, group_id: UUID, skip: int, limit: int) -> list[GroupMember]:
        """The group's memberships, earliest joined first."""
        rows = _MEMBERS.rows(self.conn, {"group_id": group_id, "skip": skip, "limit": limit})
        return list(map(_members.from_row, rows))

    def dissolve(self, group_id: UUID) -> None:
        """Lock the group, uncount its memberships and posts, delete it (the schema cascades)."""
        _dissolve(self.conn, _DISSOLVE, {"group_id": group_id})

    def dissolve_created_by(self, user_id: UUID) -> None:
        """:meth:`dissolve` every group ``user_id`` created."""
        _dissolve(self.conn, _DISSOLVE_CREATED_BY, {"user_id": user_id})
