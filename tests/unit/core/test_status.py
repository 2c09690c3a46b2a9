"""The status rules of behaviour.md §5, as tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from uuid import UUID

import attrs
import pytest

from offertracker_core import status
from offertracker_core.entities import Application
from offertracker_core.enums import ApplicationStatus as S
from offertracker_core.enums import OutcomeStatus as O
from offertracker_core.events import StatusChanged

CREATED = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
TODAY = date(2026, 3, 1)
EARLIER = date(2026, 2, 10)


def app(status_: S = S.SAVED, applied_date: date | None = None) -> Application:
    return Application(
        id=UUID(int=7),
        user_id=UUID(int=1),
        company_name="Acme",
        role_title="Engineer",
        url=None,
        description=None,
        location=None,
        job_type=None,
        work_mode=None,
        salary_min=None,
        salary_max=None,
        salary_currency="USD",
        applied_source=None,
        applied_date=applied_date,
        follow_up_date=None,
        priority=None,
        notes=None,
        status=status_,
        resume_version_id=None,
        created_at=CREATED,
        updated_at=CREATED,
    )


def moved(old: S, new: S, *, automatic: bool) -> StatusChanged:
    return StatusChanged(
        user_id=UUID(int=1), application_id=UUID(int=7), old_status=old, new_status=new, automatic=automatic
    )


@pytest.mark.parametrize(
    ("initial", "given_date", "expected_date"),
    [
        (S.SAVED, None, None),
        (S.APPLIED, None, TODAY),
        (S.APPLIED, EARLIER, EARLIER),
        (S.INTERVIEWING, None, None),
        (S.OFFER, None, None),
    ],
)
def test_creating_dates_only_an_applied_application_without_a_date(
    initial: S, given_date: date | None, expected_date: date | None
) -> None:
    result = status.on_create(app(initial, given_date), NOW)
    assert result.application.applied_date == expected_date
    assert result.application.status == initial
    assert result.event is None


def test_the_auto_date_is_the_utc_day_of_an_aware_time_in_another_zone() -> None:
    late_in_utc_early_next_day_in_tokyo = NOW.astimezone(timezone(timedelta(hours=9)))
    assert (
        status.on_create(app(S.APPLIED), late_in_utc_early_next_day_in_tokyo).application.applied_date
        == TODAY
    )


@pytest.mark.parametrize(
    ("initial", "initial_date", "changes", "expected_status", "expected_date", "event"),
    [
        (S.SAVED, None, {"status": S.APPLIED}, S.APPLIED, TODAY, moved(S.SAVED, S.APPLIED, automatic=False)),
        (
            S.SAVED,
            None,
            {"status": S.APPLIED, "applied_date": EARLIER},
            S.APPLIED,
            EARLIER,
            moved(S.SAVED, S.APPLIED, automatic=False),
        ),
        (
            S.SAVED,
            None,
            {"status": S.APPLIED, "applied_date": None},
            S.APPLIED,
            None,
            moved(S.SAVED, S.APPLIED, automatic=False),
        ),
        (
            S.SAVED,
            EARLIER,
            {"status": S.APPLIED},
            S.APPLIED,
            TODAY,
            moved(S.SAVED, S.APPLIED, automatic=False),
        ),
        (S.SAVED, None, {"status": S.OFFER}, S.OFFER, None, moved(S.SAVED, S.OFFER, automatic=False)),
        (
            S.REJECTED,
            EARLIER,
            {"status": S.SAVED},
            S.SAVED,
            EARLIER,
            moved(S.REJECTED, S.SAVED, automatic=False),
        ),
        (
            S.INTERVIEWING,
            None,
            {"status": S.APPLIED},
            S.APPLIED,
            None,
            moved(S.INTERVIEWING, S.APPLIED, automatic=False),
        ),
        (S.APPLIED, EARLIER, {"status": S.APPLIED}, S.APPLIED, EARLIER, None),
        (S.SAVED, None, {"notes": "call back"}, S.SAVED, None, None),
    ],
)
def test_updating_allows_any_move_and_dates_saved_to_applied(
    initial: S,
    initial_date: date | None,
    changes: dict,
    expected_status: S,
    expected_date: date | None,
    event: StatusChanged | None,
) -> None:
    result = status.on_update(app(initial, initial_date), changes, NOW)  # type: ignore[arg-type]
    assert result.application.status == expected_status
    assert result.application.applied_date == expected_date
    assert result.event == event
    assert result.application.updated_at == NOW


def test_updating_applies_exactly_the_keys_present() -> None:
    before = attrs.evolve(app(), notes="keep", location="Berlin")
    after = status.on_update(before, {"location": None}, NOW).application
    assert (after.notes, after.location, after.company_name) == ("keep", None, "Acme")


@pytest.mark.parametrize(
    ("initial", "expected", "event"),
    [
        (S.APPLIED, S.INTERVIEWING, moved(S.APPLIED, S.INTERVIEWING, automatic=True)),
        (S.SAVED, S.SAVED, None),
        (S.INTERVIEWING, S.INTERVIEWING, None),
        (S.OFFER, S.OFFER, None),
        (S.ACCEPTED, S.ACCEPTED, None),
        (S.REJECTED, S.REJECTED, None),
        (S.WITHDRAWN, S.WITHDRAWN, None),
    ],
)
def test_a_stage_moves_only_an_applied_application_to_interviewing(
    initial: S, expected: S, event: StatusChanged | None
) -> None:
    result = status.on_stage_added(app(initial), NOW)
    assert result.application.status == expected
    assert result.event == event
    assert result.application.updated_at == (NOW if event else CREATED)


@pytest.mark.parametrize(
    ("initial", "outcome", "expected"),
    [
        (S.SAVED, O.OFFER, S.OFFER),
        (S.APPLIED, O.OFFER, S.OFFER),
        (S.INTERVIEWING, O.OFFER, S.OFFER),
        (S.INTERVIEWING, O.REJECTED, S.REJECTED),
        (S.INTERVIEWING, O.WITHDRAWN, S.WITHDRAWN),
        (S.OFFER, O.REJECTED, S.REJECTED),
        (S.ACCEPTED, O.OFFER, S.ACCEPTED),
        (S.ACCEPTED, O.REJECTED, S.REJECTED),
        (S.ACCEPTED, O.WITHDRAWN, S.WITHDRAWN),
        (S.OFFER, O.OFFER, S.OFFER),
        (S.REJECTED, O.REJECTED, S.REJECTED),
    ],
)
def test_an_outcome_moves_the_application_to_its_status_unless_an_offer_was_accepted(
    initial: S, outcome: O, expected: S
) -> None:
    result = status.on_outcome_recorded(app(initial), outcome, NOW)
    assert result.application.status == expected
    if expected == initial:
        assert result.event is None
        assert result.application == app(initial)
    else:
        assert result.event == moved(initial, expected, automatic=True)
        assert result.changed
