"""The analytics reads (``uow.analytics``) answer alike on the fake, SQLite and PostgreSQL.

One hand-built account with a known answer for every figure, next to another user's rows
that must not count; then the edges: empty accounts, sums past a BIGINT, the tie order
of the top companies, the activity log's order and filter, the question bank's order,
limit and byte budget.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from offertracker_core import analytics, pages
from offertracker_core.analytics import (
    AmountSum,
    ApplicationGroup,
    CompanyCount,
    DashboardFigures,
    DayCount,
    OfferGroup,
    SourceCount,
    StageQuestions,
)
from offertracker_core.entities import Application, Stage, User
from offertracker_core.enums import ApplicationStatus, OutcomeStatus, Source, StageType
from offertracker_core.inputs import MAX_BIGINT
from offertracker_core.ports import Storage

from ..storage import factories as f

TODAY = date(2021, 1, 6)  # a Wednesday of ISO week 2021-W01; 2021-01-03 is still in 2020-W53
SINCE, UNTIL = analytics.trend_window(TODAY)


def test_the_window_is_twelve_iso_weeks_ending_this_sunday() -> None:
    assert analytics.trend_window(TODAY) == (date(2020, 10, 19), date(2021, 1, 10))


def _app(user: User, n: int, **changes: Any) -> Application:
    values: dict[str, Any] = {
        "salary_min": None,
        "salary_max": None,
        "salary_currency": "USD",
        "applied_source": None,
        "applied_date": None,
        "created_at": f.at(n),
    }
    return f.application(user.id, **(values | changes))


def _stage(app: Application, n: int, **changes: Any) -> Stage:
    return f.stage(app.id, **({"stage_date": None, "created_at": f.at(n)} | changes))


async def _store(storage: Storage, users: list[User], rows: list[Any]) -> None:
    async with storage.write() as uow:
        for user in users:
            await uow.users.add(user)
        for row in rows:
            if isinstance(row, Application):
                await uow.applications.add(row)
            elif isinstance(row, Stage):
                await uow.stages.add(row)
            else:
                await uow.outcomes.add(row)
        await uow.commit()


def hand_built_account() -> tuple[User, User, list[Any]]:
    """Ada's seven applications (one per status) and Bob's one, which must never count."""
    ada, bob = f.user("ada"), f.user("bob")
    saved = _app(ada, 1, status=ApplicationStatus.SAVED, company_name="Acme", salary_min=0)
    applied = _app(
        ada,
        2,
        status=ApplicationStatus.APPLIED,
        applied_source=Source.LINKEDIN,
        company_name="Acme",
        salary_min=100_000,
        salary_max=120_000,
        applied_date=date(2021, 1, 4),
    )
    interviewing = _app(
        ada,
        3,
        status=ApplicationStatus.INTERVIEWING,
        applied_source=Source.LINKEDIN,
        company_name="Zeta",
        salary_min=90_000,
        applied_date=date(2020, 12, 31),
    )
    offer = _app(
        ada,
        4,
        status=ApplicationStatus.OFFER,
        applied_source=Source.REFERRAL,
        company_name="acme",
        salary_max=80_000,
        salary_currency="EUR",
        applied_date=SINCE,
    )
    accepted = _app(
        ada,
        5,
        status=ApplicationStatus.ACCEPTED,
        applied_source=Source.REFERRAL,
        company_name="Beta",
        salary_min=110_000,
        salary_max=0,
        applied_date=SINCE - timedelta(days=1),
    )
    rejected = _app(ada, 6, status=ApplicationStatus.REJECTED, company_name="Zeta", applied_date=UNTIL)
    withdrawn = _app(
        ada,
        7,
        status=ApplicationStatus.WITHDRAWN,
        applied_source=Source.INDEED,
        company_name="Gamma",
        salary_min=50_000,
        salary_currency="GBP",
        applied_date=UNTIL + timedelta(days=1),
    )
    bobs = _app(
        bob,
        8,
        status=ApplicationStatus.APPLIED,
        applied_source=Source.LINKEDIN,
        company_name="Acme",
        salary_min=1,
        applied_date=date(2021, 1, 5),
    )
    rows: list[Any] = [saved, applied, interviewing, offer, accepted, rejected, withdrawn, bobs]
    rows += [
        _stage(interviewing, 10, stage_date=date(2021, 1, 3)),
        _stage(interviewing, 11, stage_date=date(2021, 1, 5)),
        _stage(offer, 12),
        _stage(accepted, 13, stage_date=UNTIL + timedelta(days=1)),
        _stage(rejected, 14, stage_date=UNTIL),
        _stage(bobs, 15, stage_date=date(2021, 1, 5)),
        f.outcome(offer.id, salary=85_000, salary_currency="EUR"),
        f.outcome(accepted.id, salary=130_000, salary_currency="USD"),
        f.outcome(rejected.id, status=OutcomeStatus.REJECTED, salary=99_999, salary_currency="USD"),
        f.outcome(bobs.id, salary=1_000_000, salary_currency="USD"),
    ]
    return ada, bob, rows


def normalised(figures: DashboardFigures) -> DashboardFigures:
    """``figures`` with its unordered parts sorted, to compare backends."""
    return DashboardFigures(
        groups=tuple(sorted(figures.groups, key=lambda g: (g.status, g.source or "", g.currency))),
        interviews=tuple(sorted(figures.interviews, key=lambda i: i.source or "")),
        offers=tuple(sorted(figures.offers, key=lambda o: (o.source or "", o.currency))),
        applied_days=tuple(sorted(figures.applied_days, key=lambda d: d.day)),
        stage_days=tuple(sorted(figures.stage_days, key=lambda d: d.day)),
        top_companies=figures.top_companies,
    )


async def _figures(storage: Storage, user_id: UUID) -> DashboardFigures:
    async with storage.read() as uow:
        return await uow.analytics.dashboard(user_id, since=SINCE, until=UNTIL)


async def test_the_figures_of_a_hand_built_account_are_the_known_ones(storage: Storage) -> None:
    ada, bob, rows = hand_built_account()
    await _store(storage, [ada, bob], rows)

    figures = await _figures(storage, ada.id)

    status, none = ApplicationStatus, AmountSum()
    assert normalised(figures) == normalised(
        DashboardFigures(
            groups=(
                ApplicationGroup(status.SAVED, None, "USD", 1, 0, none, none),  # a minimum of 0 is none
                ApplicationGroup(
                    status.APPLIED, Source.LINKEDIN, "USD", 1, 1, AmountSum(1, 100_000), AmountSum(1, 120_000)
                ),
                ApplicationGroup(
                    status.INTERVIEWING, Source.LINKEDIN, "USD", 1, 1, AmountSum(1, 90_000), none
                ),
                ApplicationGroup(status.OFFER, Source.REFERRAL, "EUR", 1, 1, none, AmountSum(1, 80_000)),
                ApplicationGroup(status.ACCEPTED, Source.REFERRAL, "USD", 1, 1, AmountSum(1, 110_000), none),
                ApplicationGroup(status.REJECTED, None, "USD", 1, 0, none, none),
                ApplicationGroup(status.WITHDRAWN, Source.INDEED, "GBP", 1, 1, AmountSum(1, 50_000), none),
            ),
            interviews=(
                SourceCount(Source.LINKEDIN, 1),  # two stages, one application
                SourceCount(Source.REFERRAL, 2),
                SourceCount(None, 1),
            ),
            offers=(  # the Rejected outcome's salary is no offer
                OfferGroup(Source.REFERRAL, "EUR", 1, AmountSum(1, 85_000), 85_000),
                OfferGroup(Source.REFERRAL, "USD", 1, AmountSum(1, 130_000), 130_000),
            ),
            applied_days=(
                DayCount(SINCE, 1),
                DayCount(date(2020, 12, 31), 1),
                DayCount(date(2021, 1, 4), 1),
                DayCount(UNTIL, 1),
            ),
            stage_days=(DayCount(date(2021, 1, 3), 1), DayCount(date(2021, 1, 5), 1), DayCount(UNTIL, 1)),
            top_companies=(
                CompanyCount("Acme", 2),
                CompanyCount("Zeta", 2),
                CompanyCount("Beta", 1),
                CompanyCount("Gamma", 1),
                CompanyCount("acme", 1),
            ),
        )
    )
    bobs = await _figures(storage, bob.id)
    assert bobs.top_companies == (CompanyCount("Acme", 1),)
    assert bobs.offers == (OfferGroup(Source.LINKEDIN, "USD", 1, AmountSum(1, 1_000_000), 1_000_000),)


async def test_an_account_without_rows_has_empty_figures(storage: Storage) -> None:
    ada, bob, rows = hand_built_account()
    await _store(storage, [ada, bob], [row for row in rows if getattr(row, "user_id", None) == bob.id])
    assert await _figures(storage, ada.id) == DashboardFigures()


async def test_salaries_add_up_exactly_past_the_largest_bigint(storage: Storage) -> None:
    ada = f.user("ada")
    apps = [_app(ada, n, salary_min=MAX_BIGINT, salary_max=MAX_BIGINT - n) for n in range(3)]
    outcomes = [f.outcome(app.id, salary=MAX_BIGINT - n, salary_currency="USD") for n, app in enumerate(apps)]
    await _store(storage, [ada], [*apps, *outcomes])

    figures = await _figures(storage, ada.id)

    assert figures.groups == (
        ApplicationGroup(
            ApplicationStatus.APPLIED,
            None,
            "USD",
            3,
            3,
            AmountSum(3, 3 * MAX_BIGINT),
            AmountSum(3, 3 * MAX_BIGINT - 3),
        ),
    )
    assert figures.offers == (OfferGroup(None, "USD", 3, AmountSum(3, 3 * MAX_BIGINT - 3), MAX_BIGINT),)
    insight = analytics.salary_insights(figures.groups, figures.offers)
    assert insight.average_expected_min == float(MAX_BIGINT)
    assert insight.highest_offer == MAX_BIGINT


async def test_an_offer_without_a_salary_is_an_offer_but_no_amount(storage: Storage) -> None:
    ada = f.user("ada")
    apps = [_app(ada, n, applied_source=Source.OTHER) for n in range(3)]
    outcomes = [
        f.outcome(apps[0].id, salary=None, salary_currency="EUR"),
        f.outcome(apps[1].id, salary=0, salary_currency="EUR"),
        f.outcome(apps[2].id, status=OutcomeStatus.WITHDRAWN, salary=5, salary_currency="EUR"),
    ]
    await _store(storage, [ada], [*apps, *outcomes])

    assert (await _figures(storage, ada.id)).offers == (
        OfferGroup(Source.OTHER, "EUR", 2, AmountSum(), None),
    )


async def test_the_top_ten_companies_break_ties_by_code_point_order(storage: Storage) -> None:
    ada = f.user("ada")
    # Names a locale's collation would sort differently (case, accents, punctuation).
    names = ["zeta", "Zeta", "Éclair", "eclair", "Eclair", "_under", "10x", "2nd", "a b", "ab", "Ab", "AB"]
    apps = [_app(ada, n, company_name=name) for n, name in enumerate(names)]
    apps += [_app(ada, 100 + n, company_name="zeta") for n in range(2)]  # zeta: three in all
    await _store(storage, [ada], apps)

    figures = await _figures(storage, ada.id)

    ties = sorted(set(names) - {"zeta"})
    assert figures.top_companies == (
        CompanyCount("zeta", 3),
        *(CompanyCount(name, 1) for name in ties[: analytics.TOP_COMPANIES - 1]),
    )
    assert ties[:3] == ["10x", "2nd", "AB"]


# --- the activity log ------------------------------------------------------------------------


async def _log(storage: Storage, entries: list[Any]) -> None:
    async with storage.write() as uow:
        uow.log(*entries)
        await uow.commit()


async def _activity(
    storage: Storage, user_id: UUID, application_id: UUID | None = None, skip: int = 0, limit: int = 50
) -> list[str]:
    async with storage.read() as uow:
        entries = await uow.analytics.activity(user_id, application_id=application_id, skip=skip, limit=limit)
    return [entry.description or "" for entry in entries]


async def test_the_activity_log_is_newest_first_with_ties_by_id_descending(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    first, second = _app(ada, 1), _app(ada, 2)
    await _store(storage, [ada, bob], [first, second])
    same_moment = f.at(5)
    await _log(
        storage,
        [
            f.activity(ada.id, first.id, description="one", created_at=f.at(1)),
            f.activity(ada.id, second.id, description="two", created_at=f.at(3)),
            f.activity(ada.id, None, description="three", created_at=f.at(4)),
            f.activity(ada.id, first.id, id=UUID(int=1), description="tie low", created_at=same_moment),
            f.activity(ada.id, first.id, id=UUID(int=2), description="tie high", created_at=same_moment),
            f.activity(bob.id, None, description="bob's", created_at=f.at(9)),
        ],
    )

    assert await _activity(storage, ada.id) == ["tie high", "tie low", "three", "two", "one"]
    assert await _activity(storage, ada.id, skip=1, limit=2) == ["tie low", "three"]
    assert await _activity(storage, ada.id, first.id) == ["tie high", "tie low", "one"]
    assert await _activity(storage, ada.id, second.id) == ["two"]
    assert await _activity(storage, bob.id) == ["bob's"]
    assert await _activity(storage, bob.id, first.id) == []


async def test_a_page_of_the_activity_log_ends_at_the_byte_budget(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PAGE_BYTES", 10_000)
    ada = f.user("ada")
    await _store(storage, [ada], [])
    # Each entry counts 1 KiB plus its texts: about 5 KB, so the budget is crossed by the third.
    await _log(
        storage,
        [f.activity(ada.id, None, description=f"{n}" + "é" * 2_000, created_at=f.at(n)) for n in range(5)],
    )

    assert [text[0] for text in await _activity(storage, ada.id, limit=1000)] == ["4", "3"]
    assert [text[0] for text in await _activity(storage, ada.id, skip=2, limit=1000)] == ["2", "1"]


# --- the question bank -----------------------------------------------------------------------


async def _questions(storage: Storage, user_id: UUID, limit: int = 100) -> list[StageQuestions]:
    async with storage.read() as uow:
        return await uow.analytics.stage_questions(user_id, limit=limit)


async def test_stages_with_questions_come_newest_application_first_then_newest_stage(
    storage: Storage,
) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    older = _app(ada, 1, company_name="Older", role_title="Dev")
    newer = _app(ada, 2, company_name="Newer", role_title="Lead")
    bobs = _app(bob, 3)
    rows = [
        older,
        newer,
        bobs,
        _stage(older, 10, stage_name="Chat", stage_type=None, questions_asked=("Why?", "How?")),
        _stage(older, 11, stage_name="None", questions_asked=None),
        _stage(older, 12, stage_name="Empty", questions_asked=()),
        _stage(newer, 5, stage_name="Early", stage_type=StageType.TECHNICAL, questions_asked=("Sort it",)),
        _stage(newer, 13, stage_name="Late", stage_type=StageType.BEHAVIORAL, questions_asked=("Conflict?",)),
        _stage(bobs, 14, questions_asked=("Bob's",)),
    ]
    await _store(storage, [ada, bob], rows)

    assert await _questions(storage, ada.id) == [
        StageQuestions(StageType.BEHAVIORAL, "Late", "Newer", "Lead", ("Conflict?",)),
        StageQuestions(StageType.TECHNICAL, "Early", "Newer", "Lead", ("Sort it",)),
        StageQuestions(None, "Chat", "Older", "Dev", ("Why?", "How?")),
    ]
    assert [stage.stage_name for stage in await _questions(storage, ada.id, limit=2)] == ["Late", "Early"]
    assert await _questions(storage, bob.id) == [
        StageQuestions(StageType.RECRUITER_CALL, "Recruiter Call", "Acme", "Engineer", ("Bob's",))
    ]


async def test_the_stages_read_for_the_question_bank_end_at_the_byte_budget(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PAGE_BYTES", 10_000)
    ada = f.user("ada")
    app = _app(ada, 1)
    # Each stage counts 1 KiB, its names and about 4 KB of questions: the third crosses the budget.
    stages = [_stage(app, n, stage_name=f"s{n}", questions_asked=("é" * 500,) * 4) for n in range(5)]
    await _store(storage, [ada], [app, *stages])

    assert [stage.stage_name for stage in await _questions(storage, ada.id)] == ["s4", "s3"]
