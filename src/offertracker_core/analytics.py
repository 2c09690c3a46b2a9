"""The analytics calculators of behaviour.md §8: pure functions over plain values and ``today``.

The storage gathers narrow figures (:class:`DashboardFigures`: counts and sums grouped by
the database, never the account's rows one by one; :class:`StageQuestions`: the stages
that hold questions, up to a bound), the service passes them on with the current UTC day,
and the functions here shape them into the response models. Nothing here does I/O.

Where behaviour.md leaves an order or a choice open, it is decided here, once:

- ``pipeline``: count descending, ties in the order of :class:`ApplicationStatus`.
- ``source_breakdown``: group size descending, ties in the order of :class:`Source`,
  "Unknown" (no source) after every named source.
- ``top_companies``: count descending, ties by company name in code point order
  (:func:`company_order`; the storage picks the ten with the same rule).
- ``salary_insights``: an amount counts only when it is above 0 (a salary of 0 is no
  salary, as the earlier implementation's truthiness had it). ``currency`` is the one
  with the most amounts (applications with a minimum or maximum, plus Offer outcomes
  with a salary), ties in code point order, ``"USD"`` when there are none; the averages
  and the highest offer use only amounts in it, while ``applications_with_salary`` and
  ``offers_with_salary`` count every currency.
- ``/analytics/questions``: newest application first, within one its newest logged
  stage first, a stage's questions in their own order; at most
  :data:`QUESTION_BANK_LIMIT` entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import attrs

from .enums import ApplicationStatus, Source, StageType

__all__ = [
    "DEFAULT_CURRENCY",
    "QUESTION_BANK_LIMIT",
    "TOP_COMPANIES",
    "TREND_WEEKS",
    "UNKNOWN_SOURCE",
    "AmountSum",
    "ApplicationGroup",
    "CompanyCount",
    "Dashboard",
    "DashboardFigures",
    "DayCount",
    "OfferGroup",
    "PipelineEntry",
    "QuestionBank",
    "QuestionEntry",
    "SalaryInsight",
    "SourceCount",
    "SourceEffectiveness",
    "StageQuestions",
    "WeeklyTrend",
    "company_order",
    "dashboard",
    "iso_week",
    "pipeline",
    "question_bank",
    "rates",
    "salary_insights",
    "source_breakdown",
    "top_companies",
    "trend_window",
    "weekly_trend",
]

TREND_WEEKS = 12
"""ISO weeks in ``weekly_trend``, the current one included."""
TOP_COMPANIES = 10
"""Entries in ``top_companies``."""
QUESTION_BANK_LIMIT = 5_000
"""Entries ``/analytics/questions`` returns at most.

A real search logs a few hundred interviews; an account at every input bound could hold
millions of questions. At 500 characters a question, a 100-character stage name and
255-character company and role names, an entry renders in at most about 4.5 KB of JSON,
so the largest answer stays near 22 MB (``tests/http/test_page_budget.py``).
"""
DEFAULT_CURRENCY = "USD"
"""``salary_insights.currency`` when the account holds no amount at all."""
UNKNOWN_SOURCE = "Unknown"
"""The ``source`` of applications without ``applied_source``."""

_RESPONDED = frozenset(
    {
        ApplicationStatus.INTERVIEWING,
        ApplicationStatus.OFFER,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.REJECTED,
    }
)
_INTERVIEWED = frozenset(
    {ApplicationStatus.INTERVIEWING, ApplicationStatus.OFFER, ApplicationStatus.ACCEPTED}
)
_OFFERED = frozenset({ApplicationStatus.OFFER, ApplicationStatus.ACCEPTED})
_STATUS_RANK = {status: rank for rank, status in enumerate(ApplicationStatus)}
_SOURCE_RANK: dict[Source | None, int] = {source: rank for rank, source in enumerate(Source)}
_SOURCE_RANK[None] = len(_SOURCE_RANK)


# --- what the storage gathers --------------------------------------------------------


@attrs.frozen
class AmountSum:
    """How many amounts above 0 there are and their exact sum."""

    count: int = 0
    total: int = 0

    def __add__(self, other: AmountSum) -> AmountSum:
        return AmountSum(self.count + other.count, self.total + other.total)

    def average(self) -> float | None:
        """The mean rounded to 2 decimals, ``None`` without amounts."""
        return None if self.count == 0 else round(self.total / self.count, 2)


@attrs.frozen
class ApplicationGroup:
    """The applications of one status and one source whose salaries are in one currency."""

    status: ApplicationStatus
    source: Source | None
    currency: str
    count: int
    with_salary: int = 0
    """Applications with a minimum or a maximum above 0."""
    minimums: AmountSum = AmountSum()
    maximums: AmountSum = AmountSum()


@attrs.frozen
class SourceCount:
    """How many applications of one source have at least one stage."""

    source: Source | None
    count: int


@attrs.frozen
class OfferGroup:
    """The Offer outcomes of the applications of one source, in one currency: how many, their
    salaries above 0 and the highest of those (``None`` when none is above 0)."""

    source: Source | None
    currency: str
    count: int
    salaries: AmountSum = AmountSum()
    highest: int | None = None


@attrs.frozen
class DayCount:
    """How many rows fall on one day (applications by ``applied_date``, stages by ``stage_date``)."""

    day: date
    count: int


@attrs.frozen
class CompanyCount:
    """``{company, count}``: how many applications name one company."""

    company: str
    count: int


@attrs.frozen
class DashboardFigures:
    """Everything the dashboard is computed from, gathered in one snapshot.

    ``groups``, ``interviews`` and ``offers`` come in no particular order; days only
    within the window the storage was asked for, in no particular order;
    ``top_companies`` already the :data:`TOP_COMPANIES` first in :func:`company_order`.
    """

    groups: tuple[ApplicationGroup, ...] = ()
    interviews: tuple[SourceCount, ...] = ()
    offers: tuple[OfferGroup, ...] = ()
    applied_days: tuple[DayCount, ...] = ()
    stage_days: tuple[DayCount, ...] = ()
    top_companies: tuple[CompanyCount, ...] = ()


@attrs.frozen
class StageQuestions:
    """One stage that holds questions, with the application's company and role."""

    stage_type: StageType | None
    stage_name: str
    company: str
    role: str
    questions: tuple[str, ...]


# --- what the API answers ------------------------------------------------------------


@attrs.frozen
class PipelineEntry:
    """``PipelineBreakdown``."""

    status: ApplicationStatus
    count: int


@attrs.frozen
class SourceEffectiveness:
    """``SourceEffectiveness``."""

    source: str
    applied: int
    interviews: int
    offers: int


@attrs.frozen
class WeeklyTrend:
    """``WeeklyTrend``: ``week`` is ``YYYY-Www``."""

    week: str
    applications: int
    stages: int


@attrs.frozen
class SalaryInsight:
    """``SalaryInsight``."""

    applications_with_salary: int = 0
    average_expected_min: float | None = None
    average_expected_max: float | None = None
    offers_with_salary: int = 0
    average_offered: float | None = None
    highest_offer: int | None = None
    currency: str = DEFAULT_CURRENCY


@attrs.frozen
class Dashboard:
    """``AnalyticsDashboardResponse``."""

    pipeline: tuple[PipelineEntry, ...]
    response_rate: float
    interview_rate: float
    offer_rate: float
    source_breakdown: tuple[SourceEffectiveness, ...]
    weekly_trend: tuple[WeeklyTrend, ...]
    salary_insights: SalaryInsight
    top_companies: tuple[CompanyCount, ...]


@attrs.frozen
class QuestionEntry:
    """One question of the question bank."""

    question: str
    stage_type: str
    company: str
    role: str


@attrs.frozen
class QuestionBank:
    """The ``/analytics/questions`` answer: ``total`` is the number of entries."""

    questions: tuple[QuestionEntry, ...]
    total: int


# --- calculators ---------------------------------------------------------------------


def pipeline(groups: Iterable[ApplicationGroup]) -> tuple[PipelineEntry, ...]:
    """One entry per status with applications, count descending (ties in status order)."""
    counts: dict[ApplicationStatus, int] = {}
    for group in groups:
        counts[group.status] = counts.get(group.status, 0) + group.count
    ordered = sorted(counts.items(), key=lambda item: (-item[1], _STATUS_RANK[item[0]]))
    return tuple(PipelineEntry(status, count) for status, count in ordered if count > 0)


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def rates(groups: Iterable[ApplicationGroup]) -> tuple[float, float, float]:
    """``(response_rate, interview_rate, offer_rate)`` over the applications that are not Saved."""
    counts: dict[ApplicationStatus, int] = {}
    for group in groups:
        counts[group.status] = counts.get(group.status, 0) + group.count
    sent = sum(count for status, count in counts.items() if status is not ApplicationStatus.SAVED)

    def share(statuses: frozenset[ApplicationStatus]) -> float:
        return _rate(sum(counts.get(status, 0) for status in statuses), sent)

    return share(_RESPONDED), share(_INTERVIEWED), share(_OFFERED)


def source_breakdown(
    groups: Iterable[ApplicationGroup], interviews: Iterable[SourceCount], offers: Iterable[OfferGroup]
) -> tuple[SourceEffectiveness, ...]:
    """Per ``applied_source`` (none: "Unknown"), largest first (ties in source order, Unknown
    last): its applications, those with a stage and those with an Offer outcome."""
    sums: dict[Source | None, list[int]] = {}
    for group in groups:
        sums.setdefault(group.source, [0, 0, 0])[0] += group.count
    for interviewed in interviews:
        sums.setdefault(interviewed.source, [0, 0, 0])[1] += interviewed.count
    for offer in offers:
        sums.setdefault(offer.source, [0, 0, 0])[2] += offer.count
    ordered = sorted(sums.items(), key=lambda item: (-item[1][0], _SOURCE_RANK[item[0]]))
    return tuple(
        SourceEffectiveness(UNKNOWN_SOURCE if source is None else str(source), *figures)
        for source, figures in ordered
        if figures[0] > 0
    )


def trend_window(today: date) -> tuple[date, date]:
    """The first and last day of the :data:`TREND_WEEKS` ISO weeks ending with ``today``'s week:
    Monday eleven weeks before this week's, and this week's Sunday."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=TREND_WEEKS - 1), monday + timedelta(days=6)


def iso_week(day: date) -> str:
    """``day``'s ISO week as ``YYYY-Www`` (the ISO year, which differs from the calendar year
    around New Year: 2021-01-03 is in ``2020-W53``)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_trend(
    applied_days: Iterable[DayCount], stage_days: Iterable[DayCount], today: date
) -> tuple[WeeklyTrend, ...]:
    """Applications (by ``applied_date``) and stages (by ``stage_date``) per ISO week of the
    window of :func:`trend_window`, ascending; weeks with neither are left out."""
    first, last = trend_window(today)
    weeks: dict[str, list[int]] = {}
    for index, days in enumerate((applied_days, stage_days)):
        for day in days:
            if first <= day.day <= last and day.count:
                weeks.setdefault(iso_week(day.day), [0, 0])[index] += day.count
    # ``YYYY-Www`` sorts as text in time order.
    return tuple(
        WeeklyTrend(week, applications, stages) for week, (applications, stages) in sorted(weeks.items())
    )


def salary_insights(groups: Iterable[ApplicationGroup], offers: Iterable[OfferGroup]) -> SalaryInsight:
    """``salary_insights``: the currency with the most amounts, and the averages in it."""
    used: dict[str, int] = {}
    minimums: dict[str, AmountSum] = {}
    maximums: dict[str, AmountSum] = {}
    offered: dict[str, AmountSum] = {}
    highest: dict[str, int] = {}
    with_salary = 0
    for group in groups:
        with_salary += group.with_salary
        used[group.currency] = used.get(group.currency, 0) + group.with_salary
        minimums[group.currency] = minimums.get(group.currency, AmountSum()) + group.minimums
        maximums[group.currency] = maximums.get(group.currency, AmountSum()) + group.maximums
    for offer in offers:
        used[offer.currency] = used.get(offer.currency, 0) + offer.salaries.count
        offered[offer.currency] = offered.get(offer.currency, AmountSum()) + offer.salaries
        if offer.highest is not None:
            highest[offer.currency] = max(highest.get(offer.currency, offer.highest), offer.highest)
    with_amounts = [(-count, currency) for currency, count in used.items() if count > 0]
    currency = min(with_amounts)[1] if with_amounts else DEFAULT_CURRENCY
    nothing = AmountSum()
    return SalaryInsight(
        applications_with_salary=with_salary,
        average_expected_min=minimums.get(currency, nothing).average(),
        average_expected_max=maximums.get(currency, nothing).average(),
        offers_with_salary=sum(amounts.count for amounts in offered.values()),
        average_offered=offered.get(currency, nothing).average(),
        highest_offer=highest.get(currency),
        currency=currency,
    )


def company_order(company: CompanyCount) -> tuple[int, str]:
    """The order of ``top_companies``: most applications first, ties by name in code point order
    (case-sensitive, the same on every backend: "Acme" < "Zeta" < "acme")."""
    return -company.count, company.company


def top_companies(companies: Iterable[CompanyCount]) -> tuple[CompanyCount, ...]:
    """The :data:`TOP_COMPANIES` first of ``companies`` in :func:`company_order`."""
    return tuple(sorted(companies, key=company_order)[:TOP_COMPANIES])


def dashboard(figures: DashboardFigures, today: date) -> Dashboard:
    """The whole dashboard from one snapshot's figures; ``today`` places the weekly trend."""
    response_rate, interview_rate, offer_rate = rates(figures.groups)
    return Dashboard(
        pipeline=pipeline(figures.groups),
        response_rate=response_rate,
        interview_rate=interview_rate,
        offer_rate=offer_rate,
        source_breakdown=source_breakdown(figures.groups, figures.interviews, figures.offers),
        weekly_trend=weekly_trend(figures.applied_days, figures.stage_days, today),
        salary_insights=salary_insights(figures.groups, figures.offers),
        top_companies=top_companies(figures.top_companies),
    )


def question_bank(stages: Iterable[StageQuestions], limit: int = QUESTION_BANK_LIMIT) -> QuestionBank:
    """One entry per question of ``stages`` (in their order), ``stage_type`` falling back to the
    stage's name, cut at ``limit`` entries."""
    entries: list[QuestionEntry] = []
    for stage in stages:
        label = stage.stage_name if stage.stage_type is None else str(stage.stage_type)
        for question in stage.questions:
            if len(entries) == limit:
                return QuestionBank(tuple(entries), len(entries))
            entries.append(QuestionEntry(question, label, stage.company, stage.role))
    return QuestionBank(tuple(entries), len(entries))
