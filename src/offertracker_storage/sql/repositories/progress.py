"""The activity log and the figures milestones are checked against.

The figures are kept counters (``user_progress``), one row per user, changed by
the services with :meth:`SqlProgress.count` in the transaction of the change;
reading them is a primary-key lookup. :meth:`SqlProgress.recount` still counts
the rows, for tests and repair. The ``/progress`` reads (held milestones,
the community list, the stats figures) are one prebuilt statement each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import BindParameter, ScalarSelect, bindparam, false, func, insert, select, true
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from offertracker_core.entities import ActivityEntry, Milestone, UserMilestone
from offertracker_core.enums import ApplicationStatus, OutcomeStatus
from offertracker_core.ports import (
    AccountFigures,
    CommunityMember,
    EarnedMilestone,
    ProgressStanding,
    ProgressTotals,
)

from ..collation import code_point_order
from ..prepared import Prepared
from ..rows import Mapper
from ..tables import (
    activity_log,
    application_stages,
    applications,
    contacts,
    follows,
    group_members,
    milestones,
    outcomes,
    posts,
    reflections,
    reminders,
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
    _count(application_stages.join(applications), _own_applications).label("stages"),
)

_CATALOGUE = select(*_milestones.columns).order_by(milestones.c.position)

_AWARDED = select(user_milestones.c.milestone_id).where(user_milestones.c.user_id == bindparam("user_id"))
_AWARD = Prepared(insert(user_milestones), keys=_user_milestones.names)

# --- the /progress reads -------------------------------------------------------------

# Held milestones joined to the catalogue; one action's awards share reached_at and were
# awarded in catalogue order, so the later position is the newer one.
_EARNED = Prepared(
    select(*_user_milestones.columns, *_milestones.columns)
    .join_from(user_milestones, milestones, milestones.c.id == user_milestones.c.milestone_id)
    .where(user_milestones.c.user_id == bindparam("user_id"))
    .order_by(user_milestones.c.reached_at.desc(), milestones.c.position.desc())
)
_EARNED_WIDTH = len(_user_milestones.names)

# Ties broken by username in code-point order, the same on every backend (see ..collation).
_COMMUNITY = Prepared(
    select(users.c.id, users.c.username, users.c.display_name, users.c.streak_days)
    .where(users.c.is_profile_public == true())
    .order_by(
        users.c.last_active_date.desc().nulls_last(),  # PostgreSQL puts NULLs first in DESC
        users.c.streak_days.desc(),
        code_point_order(users.c.username),
    )
    .limit(bindparam("limit"))
)

_user: BindParameter[UUID] = bindparam("user_id")
# One statement, so one snapshot and one round trip. The counts use the per-user indexes
# (user_id first); rejections read each application's status, so they grow with the account
# (~2.7 ms at 10,000 applications). Stages are a kept counter (``user_progress.stages``):
# counting them here probed every application's stages, 15-21 ms at 10,000 applications.
_FIGURES = Prepared(
    select(
        users.c.streak_days,
        _count(user_milestones, user_milestones.c.user_id == _user),
        _count(applications, _own_applications, applications.c.status == ApplicationStatus.REJECTED.value),
        _count(contacts, contacts.c.user_id == _user),
        _count(reminders, reminders.c.user_id == _user, reminders.c.is_completed == false()),
    ).where(users.c.id == _user)
)


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

    def earned(self, user_id: UUID) -> list[EarnedMilestone]:
        """The milestones held, newest first, with the milestone: one join of at most 12 rows
        (the catalogue's size bounds the list, so no byte budget is needed)."""
        earned = []
        for row in _EARNED.rows(self.conn, {"user_id": user_id}):
            held = _user_milestones.from_row(row[:_EARNED_WIDTH])
            milestone = _milestones.from_row(row[_EARNED_WIDTH:])
            earned.append(
                EarnedMilestone(held.id, held.user_id, held.milestone_id, held.reached_at, milestone)
            )
        return earned

    def community(self, limit: int) -> list[CommunityMember]:
        """Public profiles, most recently active first, at most ``limit``.

        No byte budget: a row is an id, a username (50 characters at most), a
        display name (100) and a number, so even the largest page (1,000 rows)
        stays far below :data:`offertracker_core.pages.PAGE_BYTES`.
        """
        return [CommunityMember(*row) for row in _COMMUNITY.rows(self.conn, {"limit": limit})]

    def figures(self, user_id: UUID) -> AccountFigures | None:
        """The stats figures besides the kept counters, in one statement; ``None`` for an unknown user."""
        row = _FIGURES.first(self.conn, {"user_id": user_id})
        return None if row is None else AccountFigures(*row)
