"""The 12 milestones of behaviour.md §6.

Ids are ``uuid5(MILESTONE_NAMESPACE, name)`` so every database (and every
fake) agrees on them without a lookup; the initial migration seeds the same
rows. The calculator that decides which are due lives beside the data.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from .entities import Milestone
from .ports import ProgressTotals

__all__ = [
    "GETTING_STARTED",
    "MILESTONES",
    "MILESTONE_NAMESPACE",
    "due_milestones",
    "is_reached",
    "milestone_id",
]

MILESTONE_NAMESPACE = UUID("b6f0c1de-4f5a-4d1e-9c3a-2f6e8d7a9b10")
_CATALOGUE_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def milestone_id(name: str) -> UUID:
    """The stable id of the milestone called ``name``."""
    return uuid5(MILESTONE_NAMESPACE, name)


def _m(name: str, description: str, criteria: dict[str, Any]) -> Milestone:
    return Milestone(
        id=milestone_id(name),
        name=name,
        description=description,
        criteria=criteria,
        created_at=_CATALOGUE_DATE,
    )


MILESTONES: tuple[Milestone, ...] = (
    _m("Getting Started", "You created your account and took the first step.", {"action": "register"}),
    _m(
        "First Application",
        "You applied to your first role. The journey begins.",
        {"action": "create_application", "count": 1},
    ),
    _m(
        "Building Momentum",
        "Ten applications in. You are putting yourself out there.",
        {"action": "create_application", "count": 10},
    ),
    _m(
        "In the Zone",
        "Twenty-five applications. Consistent effort pays off.",
        {"action": "create_application", "count": 25},
    ),
    _m(
        "Self-Reflective",
        "You wrote your first reflection. Growth starts with honesty.",
        {"action": "create_reflection", "count": 1},
    ),
    _m(
        "Growth Mindset",
        "Ten reflections. You are learning from every experience.",
        {"action": "create_reflection", "count": 10},
    ),
    _m(
        "One Week Strong",
        "Seven consecutive days of activity. Consistency is key.",
        {"action": "streak", "days": 7},
    ),
    _m(
        "Thirty Day Streak",
        "A full month of showing up. That takes real dedication.",
        {"action": "streak", "days": 30},
    ),
    _m(
        "Connected",
        "You are following five people. Job searching is better together.",
        {"action": "follow", "count": 5},
    ),
    _m(
        "Part of a Circle",
        "You joined your first group. Shared journeys go further.",
        {"action": "join_group", "count": 1},
    ),
    _m(
        "Sharing Insights",
        "You shared your first post. Helping others helps you grow.",
        {"action": "create_post", "count": 1},
    ),
    _m(
        "Offer Received",
        "You received a job offer. All the effort was worth it.",
        {"action": "outcome_offer", "count": 1},
    ),
)


# --- the calculator ----------------------------------------------------------------

#: Criteria ``action`` → the total it is checked against (``"register"`` is awarded at registration only).
_COUNTED_BY: dict[str, str] = {
    "create_application": "applications",
    "create_reflection": "reflections",
    "follow": "follows",
    "join_group": "groups_joined",
    "create_post": "posts",
    "outcome_offer": "offers",
}


def is_reached(milestone: Milestone, totals: ProgressTotals, streak_days: int) -> bool:
    """Whether ``milestone``'s criteria hold for ``totals`` and the current streak.

    ``register`` milestones and criteria this version does not know are never
    reached here (the former is awarded by registration itself).
    """
    action = milestone.criteria.get("action")
    if action == "streak":
        return streak_days >= int(milestone.criteria.get("days", 0))
    total = _COUNTED_BY.get(str(action))
    if total is None:
        return False
    return int(getattr(totals, total)) >= int(milestone.criteria.get("count", 1))


def due_milestones(
    totals: ProgressTotals,
    streak_days: int,
    awarded: Set[UUID],
    catalogue: Sequence[Milestone] = MILESTONES,
) -> list[Milestone]:
    """The milestones of ``catalogue`` (in order) that are reached and not in ``awarded``.

    Pure: the service loads the totals and the held ids, then awards what this
    returns, so a milestone is never awarded twice.
    """
    return [m for m in catalogue if m.id not in awarded and is_reached(m, totals, streak_days)]


#: The milestone every new account receives.
GETTING_STARTED: Milestone = MILESTONES[0]
