"""The analytics calculators (behaviour.md §8) as tables, and the service over the fake storage."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from offertracker_core import analytics
from offertracker_core.analytics import (
    AmountSum,
    ApplicationGroup,
    CompanyCount,
    DashboardFigures,
    DayCount,
    OfferGroup,
    PipelineEntry,
    QuestionEntry,
    SalaryInsight,
    SourceCount,
    SourceEffectiveness,
    StageQuestions,
    WeeklyTrend,
)
from offertracker_core.enums import ApplicationStatus as S
from offertracker_core.enums import Source, StageType
from offertracker_core.errors import Forbidden, NotFound
from offertracker_core.inputs import NewApplication, NewStage, Registration
from offertracker_core.services import Services

from ..fakes import FakeClock, FakeStorage

# --- pipeline and rates ----------------------------------------------------------------------


def test_the_pipeline_is_count_descending_with_ties_in_status_order() -> None:
    groups = [
        ApplicationGroup(S.REJECTED, None, "USD", 2),
        ApplicationGroup(S.APPLIED, Source.LINKEDIN, "USD", 1),
        ApplicationGroup(S.APPLIED, None, "EUR", 1),
        ApplicationGroup(S.SAVED, None, "USD", 2),
        ApplicationGroup(S.OFFER, Source.OTHER, "USD", 1),
    ]
    assert analytics.pipeline(groups) == (
        PipelineEntry(S.SAVED, 2),
        PipelineEntry(S.APPLIED, 2),
        PipelineEntry(S.REJECTED, 2),
        PipelineEntry(S.OFFER, 1),
    )
    assert analytics.pipeline([]) == ()


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({}, (0.0, 0.0, 0.0)),
        ({S.SAVED: 5}, (0.0, 0.0, 0.0)),  # only Saved: nothing sent, no division by zero
        ({S.APPLIED: 3}, (0.0, 0.0, 0.0)),
        ({S.SAVED: 9, S.APPLIED: 1, S.INTERVIEWING: 1, S.REJECTED: 1}, (0.6667, 0.3333, 0.0)),
        ({S.OFFER: 1, S.ACCEPTED: 1, S.WITHDRAWN: 1}, (0.6667, 0.6667, 0.6667)),
        (
            {S.APPLIED: 2, S.INTERVIEWING: 3, S.OFFER: 1, S.ACCEPTED: 1, S.REJECTED: 2},
            (0.7778, 0.5556, 0.2222),
        ),
        ({S.REJECTED: 1}, (1.0, 0.0, 0.0)),
        ({S.APPLIED: 7, S.OFFER: 1}, (0.125, 0.125, 0.125)),
    ],
)
def test_rates_are_fractions_of_the_applications_that_are_not_saved(
    counts: dict[S, int], expected: tuple[float, float, float]
) -> None:
    groups = [ApplicationGroup(status, None, "USD", count) for status, count in counts.items()]
    assert analytics.rates(groups) == expected


# --- sources -------------------------------------------------------------------------------


def test_sources_are_largest_first_with_unknown_last_among_equals() -> None:
    groups = [
        ApplicationGroup(S.SAVED, None, "USD", 1),
        ApplicationGroup(S.INTERVIEWING, None, "USD", 1),
        ApplicationGroup(S.OFFER, Source.REFERRAL, "USD", 1),
        ApplicationGroup(S.OFFER, Source.REFERRAL, "EUR", 1),
        ApplicationGroup(S.APPLIED, Source.INDEED, "USD", 1),
        ApplicationGroup(S.REJECTED, Source.LINKEDIN, "USD", 1),
        ApplicationGroup(S.APPLIED, Source.LINKEDIN, "USD", 1),
        ApplicationGroup(S.APPLIED, Source.CAREER_FAIR, "USD", 3),
    ]
    interviews = [SourceCount(None, 1), SourceCount(Source.REFERRAL, 2), SourceCount(Source.LINKEDIN, 1)]
    offers = [
        OfferGroup(Source.REFERRAL, "USD", 1),
        OfferGroup(Source.REFERRAL, "EUR", 1, AmountSum(1, 9), 9),
    ]
    assert analytics.source_breakdown(groups, interviews, offers) == (
        SourceEffectiveness("Career Fair", 3, 0, 0),
        SourceEffectiveness("LinkedIn", 2, 1, 0),
        SourceEffectiveness("Referral", 2, 2, 2),
        SourceEffectiveness("Unknown", 2, 1, 0),
        SourceEffectiveness("Indeed", 1, 0, 0),
    )
    assert analytics.source_breakdown([], [], []) == ()


# --- weekly trend --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "week"),
    [
        (date(2026, 3, 1), "2026-W09"),  # a Sunday ends its week
        (date(2026, 3, 2), "2026-W10"),
        (date(2021, 1, 3), "2020-W53"),  # early January in the previous ISO year
        (date(2020, 12, 31), "2020-W53"),
        (date(2021, 1, 4), "2021-W01"),
        (date(2019, 12, 30), "2020-W01"),  # late December in the next ISO year
        (date(2026, 1, 1), "2026-W01"),
    ],
)
def test_iso_weeks_are_named_by_their_iso_year(day: date, week: str) -> None:
    assert analytics.iso_week(day) == week


@pytest.mark.parametrize(
    ("today", "window"),
    [
        (date(2026, 3, 4), (date(2025, 12, 15), date(2026, 3, 8))),
        (date(2026, 3, 2), (date(2025, 12, 15), date(2026, 3, 8))),  # Monday: the week starts today
        (date(2026, 3, 8), (date(2025, 12, 15), date(2026, 3, 8))),  # Sunday: still the same week
        (date(2021, 1, 6), (date(2020, 10, 19), date(2021, 1, 10))),
    ],
)
def test_the_trend_window_is_twelve_whole_iso_weeks_ending_with_this_one(
    today: date, window: tuple[date, date]
) -> None:
    assert analytics.trend_window(today) == window
    first, last = window
    assert (last - first).days == 12 * 7 - 1


def test_the_weekly_trend_groups_days_into_iso_weeks_across_the_new_year_and_skips_empty_weeks() -> None:
    today = date(2021, 1, 6)
    applied = [
        DayCount(date(2020, 10, 18), 5),  # the Sunday before the window
        DayCount(date(2020, 10, 19), 1),  # its first day
        DayCount(date(2020, 12, 31), 2),
        DayCount(date(2021, 1, 3), 1),  # same ISO week as 2020-12-31
        DayCount(date(2021, 1, 10), 1),  # the window's last day
        DayCount(date(2021, 1, 11), 4),  # next week: not yet
    ]
    stages = [DayCount(date(2021, 1, 4), 3), DayCount(date(2020, 11, 2), 1)]

    assert analytics.weekly_trend(applied, stages, today) == (
        WeeklyTrend("2020-W43", 1, 0),
        WeeklyTrend("2020-W45", 0, 1),
        WeeklyTrend("2020-W53", 3, 0),
        WeeklyTrend("2021-W01", 1, 3),
    )
    assert analytics.weekly_trend([], [], today) == ()


# --- salaries -------------------------------------------------------------------------------


def _expected(currency: str, lows: list[int], highs: list[int], apps: int | None = None) -> ApplicationGroup:
    """Applications in ``currency`` with these minimums and maximums (``apps`` with either)."""
    return ApplicationGroup(
        S.APPLIED,
        None,
        currency,
        count=10,
        with_salary=max(len(lows), len(highs)) if apps is None else apps,
        minimums=AmountSum(len(lows), sum(lows)),
        maximums=AmountSum(len(highs), sum(highs)),
    )


def _offered(currency: str, *amounts: int, without: int = 0) -> OfferGroup:
    """Offer outcomes in ``currency`` with these salaries, and ``without`` more that have none."""
    return OfferGroup(
        Source.OTHER,
        currency,
        len(amounts) + without,
        AmountSum(len(amounts), sum(amounts)),
        max(amounts, default=None),
    )


@pytest.mark.parametrize(
    ("groups", "offers", "insight"),
    [
        ([], [], SalaryInsight()),
        ([_expected("USD", [], [])], [_offered("USD", without=2)], SalaryInsight()),
        (
            [_expected("USD", [100_000, 90_001], [120_000])],
            [],
            SalaryInsight(2, 95_000.5, 120_000.0, 0, None, None, "USD"),
        ),
        (  # EUR has more amounts; the USD figures are counted but not averaged in
            [_expected("EUR", [50_000, 60_000], [70_000], apps=3), _expected("USD", [100_000], [200_000])],
            [_offered("USD", 150_000), _offered("EUR", 65_000, 70_001, without=1)],
            SalaryInsight(4, 55_000.0, 70_000.0, 3, 67_500.5, 70_001, "EUR"),
        ),
        (  # groups of one currency add up
            [_expected("EUR", [10], [20]), _expected("EUR", [30, 50], [])],
            [_offered("EUR", 5), _offered("EUR", 7)],
            SalaryInsight(3, 30.0, 20.0, 2, 6.0, 7, "EUR"),
        ),
        (  # offers count towards the currency choice too
            [_expected("USD", [100], [])],
            [_offered("GBP", 1_000, 3_000)],
            SalaryInsight(1, None, None, 2, 2_000.0, 3_000, "GBP"),
        ),
        (  # a tie goes to the first code in code point order
            [_expected("USD", [10], []), _expected("EUR", [20], [])],
            [],
            SalaryInsight(2, 20.0, None, 0, None, None, "EUR"),
        ),
        (  # averages round to two decimals
            [_expected("USD", [1, 1, 2], [])],
            [_offered("USD", 1, 2, 2)],
            SalaryInsight(3, 1.33, None, 3, 1.67, 2, "USD"),
        ),
    ],
)
def test_salary_insights_use_the_most_used_currency(
    groups: list[ApplicationGroup], offers: list[OfferGroup], insight: SalaryInsight
) -> None:
    assert analytics.salary_insights(groups, offers) == insight


# --- companies and questions ------------------------------------------------------------------


def test_top_companies_are_the_ten_most_frequent_with_ties_by_code_point() -> None:
    companies = [CompanyCount(name, 1) for name in "kjihgfedcbaKA"] + [CompanyCount("zz", 5)]
    assert analytics.top_companies(companies) == (
        CompanyCount("zz", 5),
        *(CompanyCount(name, 1) for name in ["A", "K", "a", "b", "c", "d", "e", "f", "g"]),
    )


def test_every_question_is_one_entry_and_the_stage_name_stands_in_for_a_missing_type() -> None:
    stages = [
        StageQuestions(StageType.TECHNICAL, "Round 2", "Acme", "Dev", ("Sort a list", "Big O?")),
        StageQuestions(None, "Coffee chat", "Zeta", "Lead", ("Why Zeta?",)),
        StageQuestions(StageType.OTHER, "Misc", "Beta", "QA", ()),
    ]
    assert analytics.question_bank(stages) == analytics.QuestionBank(
        (
            QuestionEntry("Sort a list", "Technical", "Acme", "Dev"),
            QuestionEntry("Big O?", "Technical", "Acme", "Dev"),
            QuestionEntry("Why Zeta?", "Coffee chat", "Zeta", "Lead"),
        ),
        3,
    )
    assert analytics.question_bank(stages, limit=2).total == 2
    assert analytics.question_bank([]) == analytics.QuestionBank((), 0)


def test_an_empty_account_gets_the_empty_dashboard() -> None:
    board = analytics.dashboard(DashboardFigures(), date(2026, 3, 4))
    assert board == analytics.Dashboard((), 0.0, 0.0, 0.0, (), (), SalaryInsight(), ())


# --- the service over the fake ------------------------------------------------------------


async def _register(services: Services, name: str) -> UUID:
    session = await services.auth.register(
        Registration(email=f"{name}@example.com", username=name, password="s3cret!")
    )
    return session.user.id


async def test_the_dashboard_places_the_weekly_trend_by_the_injected_clock(
    services: Services, clock: FakeClock
) -> None:
    ada = await _register(services, "ada")
    await services.applications.create(
        ada, NewApplication(company_name="A", role_title="R", applied_date=date(2026, 3, 1))
    )

    # The fake clock says 2026-03-01: the application falls in this week, then eleven weeks later
    # in the oldest week shown, then no longer.
    assert (await services.analytics.dashboard(ada)).weekly_trend == (WeeklyTrend("2026-W09", 1, 0),)
    clock.advance(days=7 * 11)
    assert (await services.analytics.dashboard(ada)).weekly_trend == (WeeklyTrend("2026-W09", 1, 0),)
    clock.advance(days=7)
    assert (await services.analytics.dashboard(ada)).weekly_trend == ()


async def test_the_dashboard_is_one_read_of_one_snapshot(services: Services, storage: FakeStorage) -> None:
    ada = await _register(services, "ada")
    storage.opened.clear()
    await services.analytics.dashboard(ada)
    assert storage.opened == ["read"]


async def test_an_activity_filter_on_someone_elses_application_is_refused(services: Services) -> None:
    ada, bob = await _register(services, "ada"), await _register(services, "bob")
    created = await services.applications.create(bob, NewApplication(company_name="B", role_title="R"))

    with pytest.raises(Forbidden, match="Not your application"):
        await services.analytics.activity(ada, application_id=created.application.id)
    with pytest.raises(NotFound, match="Application not found"):
        await services.analytics.activity(ada, application_id=UUID(int=999_999))
    assert [
        e.action for e in await services.analytics.activity(bob, application_id=created.application.id)
    ] == ["Application Created"]


async def test_the_question_bank_stops_at_its_bound(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analytics, "QUESTION_BANK_LIMIT", 5)
    ada = await _register(services, "ada")
    created = await services.applications.create(ada, NewApplication(company_name="A", role_title="R"))
    for n in range(3):
        await services.stages.add(
            ada, created.application.id, NewStage(stage_name=f"s{n}", questions_asked=[f"{n}a", f"{n}b"])
        )

    bank = await services.analytics.questions(ada)

    assert [entry.question for entry in bank.questions] == ["2a", "2b", "1a", "1b", "0a"]
    assert bank.total == 5
