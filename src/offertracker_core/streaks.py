"""Activity streaks over UTC calendar days (behaviour.md §6).

A streak counts consecutive days with at least one tracked action (or login).
The functions are pure: the service passes today's UTC date and stores the result.
"""

from __future__ import annotations

from datetime import date, timedelta

import attrs

from .entities import User

__all__ = ["next_streak", "record_activity"]


def next_streak(streak_days: int, last_active: date | None, today: date) -> int:
    """The streak after activity on ``today``.

    First activity ever → 1; activity the day after the last active day → +1;
    activity on the same day (or, after a clock step back, an earlier one) →
    unchanged; a gap of more than one day → back to 1.
    """
    if last_active is None:
        return 1
    if today <= last_active:
        return max(streak_days, 1)
    if today - last_active == timedelta(days=1):
        return streak_days + 1
    return 1


def record_activity(user: User, today: date) -> User:
    """``user`` with the streak advanced for activity on ``today`` and ``last_active_date`` recorded.

    Returns ``user`` itself (equal, unchanged) when nothing moves, so callers
    can skip the write; never moves ``last_active_date`` backwards.
    """
    streak = next_streak(user.streak_days, user.last_active_date, today)
    last = today if user.last_active_date is None else max(user.last_active_date, today)
    if streak == user.streak_days and last == user.last_active_date:
        return user
    return attrs.evolve(user, streak_days=streak, last_active_date=last)
