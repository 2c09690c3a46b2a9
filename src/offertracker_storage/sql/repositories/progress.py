"""The activity log and the figures milestones are checked against.

The figures are kept counters (``user_progress``), one row per user, changed by
the services with :meth:`SqlProgress.count` in the transaction of the change;
reading them is a primary-key lookup. :meth:`SqlProgress.recount` still counts
the rows, for tests and repair.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ScalarSelect, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from offertracker_core.entities import ActivityEntry, Milestone, UserMilestone
from offertracker_core.enums import OutcomeStatus
from offertracker_core.ports import ProgressStanding, ProgressTotals

from ..prepared import Prepared
from ..rows import Mapper
from ..tables import (
    activity_log,
    applications,
    follows,
    group_members,
    milestones,
    outcomes,
    posts,
    reflections,
    user_milestones,
    user_progress,
    users,
)
from .base import SqlRepository

__all__ = ["SqlActivity", "SqlProgress"]

_activity = Mapper(ActivityEntry, activity_log)
_milestones = Mapper(Milestone, milestones)
_user_milestones = Mapper(UserMilestone, user_milestones)
_APPEND = Prepared(
    insert(activity_log), keys=_activity.names
)  # built once, like every statement on a write's path


class SqlActivity(SqlRepository):
    port = "activity"

    def add_many(self, entries: Sequence[ActivityEntry]) -> None:
        """Append ``entries`` with one executemany."""
        if entries:
            _APPEND.run_many(self.conn, [_activity.to_row(entry) for entry in entries])


def _count(table: Any, *where: Any) -> ScalarSelect[int]:
    return select(func.count()).select_from(table).where(*where).scalar_subquery()


_COUNTERS = tuple(column.name for column in user_progress.c if column.name != "user_id")
_counter_columns = [user_progress.c[name] for name in _COUNTERS]

# Every statement is built once with bound parameters (architecture pitfall 16).
_TOTALS = Prepared(select(*_counter_columns).where(user_progress.c.user_id == bindparam("user_id")))


def _upsert(dialect_insert: Any) -> Any:
    """``INSERT … ON CONFLICT (user_id) DO UPDATE SET x = x + excluded.x`` for one dialect."""
    statement = dialect_insert(user_progress)
    return statement.on_conflict_do_update(
        index_elements=[user_progress.c.user_id],
        set_={name: user_progress.c[name] + statement.excluded[name] for name in _COUNTERS},
    )


# SQLAlchemy spells ON CONFLICT per dialect; the SQL is the same on both.
_COUNT = {
    dialect: Prepared(_upsert(insert), keys=("user_id", *_COUNTERS))
    for dialect, insert in (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))
}

# One row per milestone held (at most 12), the counters repeated on each; one row with a
# NULL milestone when none is held. Both joins are on the user's key, so this stays a few
# index lookups however large the account.
_STANDING = Prepared(
    select(*_counter_columns, user_milestones.c.milestone_id)
    .select_from(
        users.outerjoin(user_progress, user_progress.c.user_id == users.c.id).outerjoin(
            user_milestones, user_milestones.c.user_id == users.c.id
        )
    )
    .where(users.c.id == bindparam("user_id"))
)

_own_applications = applications.c.user_id == bindparam("user_id")
_RECOUNT = select(
    _count(applications, _own_applications).label("applications"),
    _count(reflections.join(applications), _own_applications).label("reflections"),
    _count(
        outcomes.join(applications), _own_applications, outcomes.c.status == OutcomeStatus.OFFER.value
    ).label("offers"),
    _count(follows, follows.c.follower_id == bindparam("user_id")).label("follows"),
    _count(group_members, group_members.c.user_id == bindparam("user_id")).label("groups_joined"),
    _count(posts, posts.c.user_id == bindparam("user_id")).label("posts"),
)

_CATALOGUE = select(*_milestones.columns).order_by(milestones.c.position)
_AWARDED = select(user_milestones.c.milestone_id).where(user_milestones.c.user_id == bindparam("user_id"))
_AWARD = Prepared(insert(user_milestones), keys=_user_milestones.names)


class SqlProgress(SqlRepository):
    port = "progress"

    def totals(self, user_id: UUID) -> ProgressTotals:
        """The kept counters: one primary-key lookup; zeros when the user has no row yet."""
        row = _TOTALS.first(self.conn, {"user_id": user_id})
        return ProgressTotals() if row is None else ProgressTotals(*row)

    def count(self, user_id: UUID, delta: ProgressTotals) -> None:
        """Add ``delta`` to the user's counters with one upsert (the first count creates the row)."""
        params = {name: getattr(delta, name) for name in _COUNTERS}
        params["user_id"] = user_id
        _COUNT[self.conn.dialect.name].run(self.conn, params)

    def recount(self, user_id: UUID) -> ProgressTotals:
        """Every total of behaviour.md §6 from the rows: one SELECT of six COUNT subqueries."""
        return ProgressTotals(**self.conn.execute(_RECOUNT, {"user_id": user_id}).one()._asdict())

    def standing(self, user_id: UUID) -> ProgressStanding:
        """The counters and the milestones held, in one statement."""
        rows = _STANDING.rows(self.conn, {"user_id": user_id})
        if not rows or rows[0][0] is None:  # no such user, or nothing counted yet
            totals = ProgressTotals()
        else:
            totals = ProgressTotals(*rows[0][: len(_COUNTERS)])
        return ProgressStanding(totals, frozenset(row[-1] for row in rows if row[-1] is not None))

    def milestones(self) -> list[Milestone]:
        """The catalogue in its defined order (the seeded ``position``)."""
        return list(map(_milestones.from_row, self.conn.execute(_CATALOGUE).all()))

    def awarded_milestone_ids(self, user_id: UUID) -> set[UUID]:
        """Ids of the milestones ``user_id`` holds."""
        return set(self.conn.execute(_AWARDED, {"user_id": user_id}).scalars())

    def award(self, user_milestone: UserMilestone) -> None:
        """Insert; a second award of the same milestone is a ``Duplicate``."""
        _AWARD.run(self.conn, _user_milestones.to_row(user_milestone))
