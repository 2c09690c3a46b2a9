"""The activity log and the figures milestones are checked against."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ScalarSelect, func, insert, select

from offertracker_core.entities import ActivityEntry, Milestone, UserMilestone
from offertracker_core.enums import OutcomeStatus
from offertracker_core.ports import ProgressTotals

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
)
from .base import SqlRepository

__all__ = ["SqlActivity", "SqlProgress"]

_activity = Mapper(ActivityEntry, activity_log)
_milestones = Mapper(Milestone, milestones)
_user_milestones = Mapper(UserMilestone, user_milestones)


class SqlActivity(SqlRepository):
    port = "activity"

    def add_many(self, entries: Sequence[ActivityEntry]) -> None:
        """Append ``entries`` with one executemany."""
        if entries:
            self.conn.execute(insert(activity_log), [_activity.to_row(entry) for entry in entries])


def _count(table: Any, *where: Any) -> ScalarSelect[int]:
    return select(func.count()).select_from(table).where(*where).scalar_subquery()


class SqlProgress(SqlRepository):
    port = "progress"

    def totals(self, user_id: UUID) -> ProgressTotals:
        """Every total of behaviour.md §6 in one SELECT of scalar subqueries."""
        own_applications = applications.c.user_id == user_id
        row = self.conn.execute(
            select(
                _count(applications, own_applications).label("applications"),
                _count(reflections.join(applications), own_applications).label("reflections"),
                _count(
                    outcomes.join(applications),
                    own_applications,
                    outcomes.c.status == OutcomeStatus.OFFER.value,
                ).label("offers"),
                _count(follows, follows.c.follower_id == user_id).label("follows"),
                _count(group_members, group_members.c.user_id == user_id).label("groups_joined"),
                _count(posts, posts.c.user_id == user_id).label("posts"),
            )
        ).one()
        return ProgressTotals(**row._asdict())

    def milestones(self) -> list[Milestone]:
        """The catalogue in its defined order (the seeded ``position``)."""
        query = select(*_milestones.columns).order_by(milestones.c.position)
        return list(map(_milestones.from_row, self.conn.execute(query).all()))

    def awarded_milestone_ids(self, user_id: UUID) -> set[UUID]:
        """Ids of the milestones ``user_id`` holds."""
        query = select(user_milestones.c.milestone_id).where(user_milestones.c.user_id == user_id)
        return set(self.conn.execute(query).scalars())

    def award(self, user_milestone: UserMilestone) -> None:
        """Insert; a second award of the same milestone is a ``Duplicate``."""
        self.conn.execute(insert(user_milestones).values(_user_milestones.to_row(user_milestone)))
