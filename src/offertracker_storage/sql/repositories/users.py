"""Users (profiles) and their credentials.

``search_visible`` applies the visibility rule of behaviour.md §3 inside the
query, so pagination happens after filtering and pages are full.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Exists, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from offertracker_core.entities import User
from offertracker_core.enums import ProfileVisibility
from offertracker_core.ports import NEVER_REVOKED, ViewerRelation

from ..collation import code_point_order
from ..prepared import Prepared
from ..rows import Mapper
from ..tables import credentials, follows, group_members, users
from .base import CrudRepository, SqlRepository

__all__ = ["SqlCredentials", "SqlUsers", "escape_like"]


def escape_like(text: str, escape: str = "\\") -> str:
    """``text`` with LIKE wildcards escaped, to be used with ``escape=escape``."""
    return text.replace(escape, escape * 2).replace("%", escape + "%").replace("_", escape + "_")


def _follows(viewer_id: object, owner_id: object) -> Exists:
    return exists().where(follows.c.follower_id == viewer_id, follows.c.following_id == owner_id)


def _shares_group(viewer_id: object, owner_id: object) -> Exists:
    mine = group_members.alias("viewer_groups")
    theirs = group_members.alias("owner_groups")
    return exists().where(
        mine.c.user_id == viewer_id, theirs.c.group_id == mine.c.group_id, theirs.c.user_id == owner_id
    )


_users = Mapper(User, users)
# Built once with bound parameters (see CrudRepository on why): logins, registrations and
# profile views run these on every request.
_BY_EMAIL = Prepared(select(*_users.columns).where(users.c.email == bindparam("email")))
_BY_USERNAME = Prepared(select(*_users.columns).where(users.c.username == bindparam("username")))
_RELATION = select(
    _follows(bindparam("viewer_id"), bindparam("owner_id")).label("f"),
    _shares_group(bindparam("viewer_id"), bindparam("owner_id")).label("g"),
)
# Every authentication that misses the process's memory of users runs this.
_TOKENS_VALID_AFTER = Prepared(select(users.c.tokens_valid_after).where(users.c.id == bindparam("user_id")))
_SET_TOKENS_VALID_AFTER = Prepared(
    update(users)
    .where(users.c.id == bindparam("user_id"))
    .values(tokens_valid_after=bindparam("valid_after"))
)
_PASSWORD_HASH = Prepared(
    select(credentials.c.password_hash).where(credentials.c.user_id == bindparam("user_id"))
)
_SET_PASSWORD_HASH = {
    dialect: insert(credentials).on_conflict_do_update(
        index_elements=[credentials.c.user_id],
        set_={"password_hash": insert(credentials).excluded.password_hash},
    )
    for dialect, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


class SqlUsers(CrudRepository[User]):
    port = "users"
    mapper = _users

    def get_by_email(self, email: str) -> User | None:
        """The user whose stored (lower-cased) email is ``email``."""
        return self._one(_BY_EMAIL, {"email": email})

    def get_by_username(self, username: str) -> User | None:
        """The user called exactly ``username``."""
        return self._one(_BY_USERNAME, {"username": username})

    def tokens_valid_after(self, user_id: UUID) -> datetime | None:
        """The user's ``tokens_valid_after`` (``NEVER_REVOKED`` for NULL), or ``None`` for an unknown id."""
        row = _TOKENS_VALID_AFTER.first(self.conn, {"user_id": user_id})
        if row is None:
            return None
        valid_after: datetime | None = row[0]
        return NEVER_REVOKED if valid_after is None else valid_after

    def set_tokens_valid_after(self, user_id: UUID, valid_after: datetime) -> None:
        """Store ``valid_after`` as the user's ``tokens_valid_after``."""
        _SET_TOKENS_VALID_AFTER.run(self.conn, {"user_id": user_id, "valid_after": valid_after})

    def relation(self, viewer_id: UUID, owner_id: UUID) -> ViewerRelation:
        """Whether the viewer follows the owner and whether they share a group, in one statement."""
        row = self.conn.execute(_RELATION, {"viewer_id": viewer_id, "owner_id": owner_id}).one()
        return ViewerRelation(follows=bool(row.f), shares_group=bool(row.g))

    def search_visible(self, viewer_id: UUID, query: str, skip: int, limit: int) -> list[User]:
        """Profiles matching ``query`` that ``viewer_id`` may see, by username, paginated after filtering."""
        pattern = f"%{escape_like(query.lower())}%"
        visibility = users.c.profile_visibility
        visible = or_(
            users.c.id == viewer_id,
            visibility == ProfileVisibility.PUBLIC.value,
            and_(visibility == ProfileVisibility.FOLLOWERS.value, _follows(viewer_id, users.c.id)),
            and_(visibility == ProfileVisibility.GROUPS.value, _shares_group(viewer_id, users.c.id)),
        )
        matches = or_(
            func.lower(users.c.username).like(pattern, escape="\\"),
            func.lower(users.c.display_name).like(pattern, escape="\\"),
        )
        # Built per call (the pattern is inlined), so through Connection.execute. Usernames in
        # code-point order, the same on every backend (see ..collation).
        page = (
            self._select_all.where(matches, visible)
            .order_by(code_point_order(users.c.username), users.c.id)
            .offset(skip)
            .limit(limit)
        )
        return list(map(self.mapper.from_row, self.conn.execute(page).all()))


class SqlCredentials(SqlRepository):
    port = "credentials"

    def set(self, user_id: UUID, password_hash: str) -> None:
        """Store or replace the password hash of ``user_id``."""
        statement = _SET_PASSWORD_HASH[self.conn.dialect.name]
        self.conn.execute(statement, {"user_id": user_id, "password_hash": password_hash})

    def get(self, user_id: UUID) -> str | None:
        """The stored hash, or ``None`` for a user without a local password."""
        row = _PASSWORD_HASH.first(self.conn, {"user_id": user_id})
        return None if row is None else str(row[0])
