"""Milestone bookkeeping and the reads of ``/progress`` and ``/analytics``: the kept totals and the
aggregates computed by the storage."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol
from uuid import UUID

import attrs

from ..analytics import DashboardFigures, StageQuestions
from ..entities import (
    ActivityEntry,
    Milestone,
    UserMilestone,
)

__all__ = [
    "AccountFigures",
    "AnalyticsRepository",
    "CommunityMember",
    "EarnedMilestone",
    "ProgressRepository",
    "ProgressStanding",
    "ProgressTotals",
]


@attrs.frozen
class ProgressTotals:
    """The figures milestones are checked against (behaviour.md §6 "Totals").

    Also the shape of a change to them: a delta passed to
    :meth:`ProgressRepository.count` may hold negative figures.
    """

    applications: int = 0
    reflections: int = 0
    offers: int = 0
    follows: int = 0
    groups_joined: int = 0
    posts: int = 0
    stages: int = 0
    """Not a milestone figure: kept for ``/progress/stats``, which would otherwise probe every
    application's stages (stages carry no ``user_id``)."""

    def __add__(self, other: ProgressTotals) -> ProgressTotals:
        """Figure by figure sum (a total plus a delta)."""
        return ProgressTotals(
            applications=self.applications + other.applications,
            reflections=self.reflections + other.reflections,
            offers=self.offers + other.offers,
            follows=self.follows + other.follows,
            groups_joined=self.groups_joined + other.groups_joined,
            posts=self.posts + other.posts,
            stages=self.stages + other.stages,
        )


@attrs.frozen
class ProgressStanding:
    """What the milestone check of a tracked action reads: the kept totals and the milestones held."""

    totals: ProgressTotals = ProgressTotals()
    held: frozenset[UUID] = frozenset()


# --- the /progress reads (behaviour.md §6) ------------------------------------------


@attrs.frozen
class EarnedMilestone:
    """A milestone a user holds, with the milestone itself: the ``UserMilestoneResponse`` shape."""

    id: UUID
    user_id: UUID
    milestone_id: UUID
    reached_at: datetime
    milestone: Milestone


@attrs.frozen
class CommunityMember:
    """A public profile on the community list: the ``CommunityMemberEntry`` shape (nothing private)."""

    user_id: UUID
    username: str
    display_name: str | None
    streak_days: int


@attrs.frozen
class AccountFigures:
    """What ``/progress/stats`` reads besides the kept totals, all from one aggregate statement."""

    streak_days: int
    milestones_reached: int
    rejections: int
    """Applications whose own status is Rejected (not outcomes: behaviour.md §6)."""
    contacts: int
    reminders_pending: int
    """Reminders not completed, overdue ones included."""


class ProgressRepository(Protocol):
    """Milestone bookkeeping: the kept totals, the catalogue and who holds what.

    The totals are running counters, kept by the services in the same unit of
    work as the change they count (pitfall 15 of the architecture: counting a
    user's rows on every tracked action made writes slow down as the account
    grew). ``recount`` derives them from the rows, for tests and repair only.
    Every service that adds or removes a counted row counts it (applications,
    stages, reflections, Offer outcomes, follows, memberships, posts), and so
    must any new one; ``tests/contract/test_progress_counters.py`` holds the
    counters equal to a recount through every such action.
    """

    async def totals(self, user_id: UUID) -> ProgressTotals:
        """The kept counters of ``user_id`` (one primary-key lookup); zeros when nothing was counted."""
        ...

    async def count(self, user_id: UUID, delta: ProgressTotals) -> None:
        """Add ``delta`` (figures may be negative) to ``user_id``'s counters, in this unit of work.

        One statement however large the account. Call it where the counted row
        is written, after locking the application it hangs off and before
        ``track_activity`` locks the user row: the counters row is locked
        between the two (see the lock order above).
        """
        ...

    async def recount(self, user_id: UUID) -> ProgressTotals:
        """The totals derived from ``user_id``'s rows, ignoring the counters.

        Scans the account: for tests (counters == recount) and repair, never a request path.
        """
        ...

    async def standing(self, user_id: UUID) -> ProgressStanding:
        """:meth:`totals` and :meth:`awarded_milestone_ids` together, in one statement."""
        ...

    async def milestones(self) -> list[Milestone]:
        """The catalogue, in its defined order."""
        ...

    async def awarded_milestone_ids(self, user_id: UUID) -> set[UUID]:
        """Ids of the milestones ``user_id`` holds."""
        ...

    async def award(self, user_milestone: UserMilestone) -> None:
        """Insert; raise ``Duplicate("user_milestones.user_id,milestone_id")`` when held already."""
        ...

    async def earned(self, user_id: UUID) -> list[EarnedMilestone]:
        """The milestones ``user_id`` holds, each with the milestone, newest first (``reached_at``
        descending; those won by one action, which share it, last-in-catalogue first), in one
        statement. At most the catalogue's twelve rows, so no page budget applies."""
        ...

    async def community(self, limit: int) -> list[CommunityMember]:
        """Users with public profiles (``is_profile_public``), most recently active first
        (``last_active_date`` descending, never-active last; then the longer streak, then the
        username in code-point order), at most ``limit``; one statement."""
        ...

    async def figures(self, user_id: UUID) -> AccountFigures | None:
        """The figures of :class:`AccountFigures` for ``user_id``, ``None`` for an unknown user: one
        aggregate statement, constant in count (its cost grows with the account's rows)."""
        ...


# --- analytics (the analytics router's reads) -------------------------------------


class AnalyticsRepository(Protocol):
    """The reads of ``/analytics``: narrow figures and bounded lists, never an account's rows
    loaded whole, so their cost does not follow the size of the account's texts.

    Each method is one repository call (one hop), running a few statements however many
    applications the account holds; a service calls one of them inside ``ctx.read``, so the
    statements see one snapshot.
    """

    async def dashboard(self, user_id: UUID, *, since: date, until: date) -> DashboardFigures:
        """The figures of behaviour.md §8 for ``user_id``'s applications (:class:`DashboardFigures`):
        grouped by status and source, applications per ``applied_date`` and stages per
        ``stage_date`` from ``since`` to ``until`` inclusive, expected and offered amounts above 0
        per currency, and the ``analytics.TOP_COMPANIES`` companies first in
        ``analytics.company_order``."""
        ...

    async def activity(
        self, user_id: UUID, *, application_id: UUID | None, skip: int, limit: int
    ) -> list[ActivityEntry]:
        """``user_id``'s activity-log entries, newest first (``created_at``, then ``id``,
        descending), only those of ``application_id`` when it is given; at most ``limit``, and
        ending early at the byte budget of :mod:`offertracker_core.pages`."""
        ...

    async def stage_questions(self, user_id: UUID, *, limit: int) -> list[StageQuestions]:
        """The stages of ``user_id``'s applications holding at least one question: newest
        application first (``created_at``, then ``id``), within one newest stage first (the same),
        at most ``limit`` of them and ending early at the byte budget of
        :mod:`offertracker_core.pages` (content: the questions, the stage's name and type, the
        company and role)."""
        ...
