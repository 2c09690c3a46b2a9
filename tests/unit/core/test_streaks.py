"""Streaks over UTC calendar days (behaviour.md §6)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from offertracker_core.entities import User
from offertracker_core.enums import ProfileVisibility
from offertracker_core.streaks import next_streak, record_activity

TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("streak", "last_active", "expected"),
    [
        (0, None, 1),  # first activity ever
        (3, date(2026, 3, 9), 4),  # the next day
        (3, date(2026, 3, 8), 1),  # a one-day gap breaks it
        (12, date(2026, 1, 1), 1),  # a long gap
        (3, TODAY, 3),  # same day: unchanged
        (0, TODAY, 1),  # same day after a reset counts as one day of activity
        (5, date(2026, 3, 11), 5),  # the clock stepped back: unchanged
    ],
)
def test_the_next_streak(streak: int, last_active: date | None, expected: int) -> None:
    assert next_streak(streak, last_active, TODAY) == expected


def user(streak: int, last_active: date | None) -> User:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    return User(
        id=UUID(int=1),
        email="a@example.com",
        username="alice",
        display_name="alice",
        bio=None,
        is_profile_public=False,
        profile_visibility=ProfileVisibility.PRIVATE,
        streak_days=streak,
        last_active_date=last_active,
        created_at=moment,
        updated_at=moment,
    )


def test_recording_activity_stores_the_streak_and_the_day() -> None:
    after = record_activity(user(2, date(2026, 3, 9)), TODAY)
    assert (after.streak_days, after.last_active_date) == (3, TODAY)


def test_recording_activity_twice_on_one_day_returns_the_user_unchanged() -> None:
    before = user(3, TODAY)
    assert record_activity(before, TODAY) is before


def test_recording_activity_never_moves_the_last_active_day_backwards() -> None:
    after = record_activity(user(5, date(2026, 3, 11)), TODAY)
    assert after.last_active_date == date(2026, 3, 11)
