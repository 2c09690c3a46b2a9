"""The milestone calculator (behaviour.md §6)."""

from __future__ import annotations

import pytest

from offertracker_core.milestones import GETTING_STARTED, MILESTONES, due_milestones, milestone_id
from offertracker_core.ports import ProgressTotals


def names(found: list) -> list[str]:
    return [m.name for m in found]


def test_the_catalogue_has_the_twelve_milestones_in_order() -> None:
    assert names(list(MILESTONES)) == [
        "Getting Started",
        "First Application",
        "Building Momentum",
        "In the Zone",
        "Self-Reflective",
        "Growth Mindset",
        "One Week Strong",
        "Thirty Day Streak",
        "Connected",
        "Part of a Circle",
        "Sharing Insights",
        "Offer Received",
    ]


@pytest.mark.parametrize(
    ("name", "below", "at"),
    [
        ("First Application", ProgressTotals(applications=0), ProgressTotals(applications=1)),
        ("Building Momentum", ProgressTotals(applications=9), ProgressTotals(applications=10)),
        ("In the Zone", ProgressTotals(applications=24), ProgressTotals(applications=25)),
        ("Self-Reflective", ProgressTotals(reflections=0), ProgressTotals(reflections=1)),
        ("Growth Mindset", ProgressTotals(reflections=9), ProgressTotals(reflections=10)),
        ("Connected", ProgressTotals(follows=4), ProgressTotals(follows=5)),
        ("Part of a Circle", ProgressTotals(groups_joined=0), ProgressTotals(groups_joined=1)),
        ("Sharing Insights", ProgressTotals(posts=0), ProgressTotals(posts=1)),
        ("Offer Received", ProgressTotals(offers=0), ProgressTotals(offers=1)),
    ],
)
def test_a_count_milestone_is_due_exactly_from_its_threshold(
    name: str, below: ProgressTotals, at: ProgressTotals
) -> None:
    assert name not in names(due_milestones(below, 0, set()))
    assert name in names(due_milestones(at, 0, set()))


@pytest.mark.parametrize(("name", "days"), [("One Week Strong", 7), ("Thirty Day Streak", 30)])
def test_a_streak_milestone_is_due_exactly_from_its_length(name: str, days: int) -> None:
    assert name not in names(due_milestones(ProgressTotals(), days - 1, set()))
    assert name in names(due_milestones(ProgressTotals(), days, set()))


def test_getting_started_is_never_due_from_totals() -> None:
    everything = ProgressTotals(
        applications=100, reflections=100, offers=100, follows=100, groups_joined=100, posts=100
    )
    due = due_milestones(everything, 365, set())
    assert GETTING_STARTED not in due
    assert len(due) == 11


def test_a_milestone_already_held_is_never_due_again() -> None:
    totals = ProgressTotals(applications=10)
    held = {milestone_id("First Application")}
    assert names(due_milestones(totals, 0, held)) == ["Building Momentum"]


def test_due_milestones_come_in_catalogue_order() -> None:
    totals = ProgressTotals(offers=1, applications=1, reflections=1)
    assert names(due_milestones(totals, 7, set())) == [
        "First Application",
        "Self-Reflective",
        "One Week Strong",
        "Offer Received",
    ]
