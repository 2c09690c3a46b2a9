"""The analytics router's reads: grouped figures, the activity log and the question bank.

The dashboard is five grouped statements over the user's rows, run in one repository call
(so in one hop, on one snapshot). Each answers with one row per group (status, source and
currency; source and day; company), a few dozen on a real account, however many
applications it holds: no application, stage or outcome is loaded. Every statement is
built once (architecture pitfall 16) and runs as a :class:`Prepared` statement.

Two details make every backend answer alike:

- Sums of salaries are taken in two halves (the amount's high and low 32 bits) and added
  up exactly in Python: SQLite's ``sum()`` of integers fails on overflow, and salaries go
  up to 2⁶³−1, so two large ones would otherwise be an error, not an average.
- The ten top companies are picked in code point order among equal counts:
  ``COLLATE "C"`` on PostgreSQL, whose default collation follows the locale; SQLite
  compares text as bytes of UTF-8, which is the same order (:mod:`..collation`).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Integer,
    Select,
    bindparam,
    case,
    distinct,
    func,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

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
from offertracker_core.entities import ActivityEntry
from offertracker_core.enums import ApplicationStatus, OutcomeStatus, Source, StageType

from ..collation import code_point_order
from ..page_budget import ZERO, byte_length, content_size, rows_within_budget
from ..prepared import Prepared
from ..rows import Mapper
from ..tables import activity_log, application_stages, applications, outcomes
from ..types import IsoDate
from .base import SqlRepository

__all__ = ["SqlAnalytics"]


class question_count(FunctionElement[int]):  # lower case, like the SQL functions it stands for
    """How many items the JSON array of questions holds (0 for JSON ``null``)."""

    type = Integer()
    inherit_cache = True


@compiles(question_count)
def _sqlite_question_count(element: question_count, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite's json_array_length is 0 for a JSON value that is not an array.
    return f"json_array_length({compiler.process(element.clauses, **kw)})"


@compiles(question_count, "postgresql")
def _postgresql_question_count(element: question_count, compiler: SQLCompiler, **kw: Any) -> str:
    # jsonb_array_length raises on a scalar (a stage without questions stores JSON null).
    value = compiler.process(element.clauses, **kw)
    return f"CASE WHEN jsonb_typeof({value}) = 'array' THEN jsonb_array_length({value}) ELSE 0 END"


_a, _s, _o = applications, application_stages, outcomes
_own = _a.c.user_id == bindparam("user_id")
_ONE = literal_column("1", Integer())
_OFFER: ColumnElement[str] = literal_column(f"'{OutcomeStatus.OFFER.value}'")


def _counted(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows of the group meet ``condition``."""
    return func.count(case((condition, _ONE)))


def _halves(amount: Any) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The exact sum of ``amount`` as two sums that cannot overflow a BIGINT (for 2³¹ rows)."""
    high = amount.op(">>")(literal_column("32"))
    low = amount.op("&")(literal_column("4294967295"))
    return func.sum(high), func.sum(low)


def _exact(high: Any, low: Any) -> int:
    # PostgreSQL's sum of a BIGINT is NUMERIC (a Decimal); no rows give NULL.
    return (int(high or 0) << 32) + int(low or 0)


# --- the dashboard -------------------------------------------------------------------

_has_min, _has_max = _a.c.salary_min > ZERO, _a.c.salary_max > ZERO
_within: tuple[Any, Any] = (bindparam("since"), bindparam("until"))

# Every application, by status, source and salary currency: the pipeline, the rates, the
# sources' sizes and the expected salaries, in one pass over the user's rows.
_GROUPS = Prepared(
    select(
        _a.c.status,
        _a.c.applied_source,
        _a.c.salary_currency,
        func.count(),
        _counted(or_(_has_min, _has_max)),
        _counted(_has_min),
        *_halves(_a.c.salary_min),
        _counted(_has_max),
        *_halves(_a.c.salary_max),
    )
    .where(_own)
    .group_by(_a.c.status, _a.c.applied_source, _a.c.salary_currency)
)

# The user's stages (their application and its source, their day) once, then two groupings
# of them in one statement: the applications with a stage per source (kind 0), the stages
# per day of the window (kind 1). A CTE used twice is computed once on both databases.
_staged = (
    select(_s.c.application_id, _a.c.applied_source.label("source"), _s.c.stage_date.label("day"))
    .select_from(_s.join(_a, _a.c.id == _s.c.application_id))
    .where(_own)
    .cte("staged")
)
_INTERVIEWS, _STAGE_DAY = 0, 1
_STAGES = Prepared(
    union_all(
        select(
            literal_column(str(_INTERVIEWS), Integer()),
            _staged.c.source,
            type_coerce(null(), IsoDate()),  # typed, so the day of the other half comes back a date
            func.count(distinct(_staged.c.application_id)),
        ).group_by(_staged.c.source),
        select(literal_column(str(_STAGE_DAY), Integer()), null(), _staged.c.day, func.count())
        .where(_staged.c.day.between(*_within))
        .group_by(_staged.c.day),
    )
)

# Every Offer outcome, by its application's source and its currency: the sources' offers and
# the offered salaries.
_has_salary = _o.c.salary > ZERO
_OFFERS = Prepared(
    select(
        _a.c.applied_source,
        _o.c.salary_currency,
        func.count(),
        _counted(_has_salary),
        *_halves(_o.c.salary),
        func.max(case((_has_salary, _o.c.salary))),
    )
    .select_from(_o.join(_a, _a.c.id == _o.c.application_id))
    .where(_own, _o.c.status == _OFFER)
    .group_by(_a.c.applied_source, _o.c.salary_currency)
)

_APPLIED_DAYS = Prepared(
    select(_a.c.applied_date, func.count())
    .where(_own, _a.c.applied_date.between(*_within))
    .group_by(_a.c.applied_date)
)

_applications_of_company = func.count().label("company_count")
_TOP_COMPANIES = Prepared(
    select(_a.c.company_name, _applications_of_company)
    .where(_own)
    .group_by(_a.c.company_name)
    .order_by(_applications_of_company.desc(), code_point_order(_a.c.company_name))
    .limit(analytics.TOP_COMPANIES)
)


# --- the activity log ----------------------------------------------------------------

_activity = Mapper(ActivityEntry, activity_log)


def _activity_page(*, by_application: bool) -> Prepared:
    """A page of the log, newest first, ending at the byte budget (as ``CrudRepository`` lists)."""
    where = [activity_log.c.user_id == bindparam("user_id")]
    if by_application:
        where.append(activity_log.c.application_id == bindparam("application_id"))
    newest_first = (activity_log.c.created_at.desc(), activity_log.c.id.desc())
    narrow = (
        select(activity_log.c.created_at, activity_log.c.id, content_size(activity_log).label("size"))
        .where(*where)
        .order_by(*newest_first)
        .offset(bindparam("skip"))
        .limit(bindparam("limit"))
    )
    return Prepared(
        select(*_activity.columns)
        .where(*where)
        .order_by(*newest_first)
        .offset(bindparam("skip"))
        .limit(rows_within_budget(narrow, ("created_at", "id")))
    )


_ACTIVITY = {filtered: _activity_page(by_application=filtered) for filtered in (False, True)}


# --- the question bank ---------------------------------------------------------------


def _stage_questions() -> Prepared:
    stages = _s.join(_a, _a.c.id == _s.c.application_id)
    where = (_own, question_count(_s.c.questions_asked) > ZERO)
    keys = (
        _a.c.created_at.label("application_created_at"),
        _a.c.id.label("application_id"),
        _s.c.created_at.label("stage_created_at"),
        _s.c.id.label("stage_id"),
    )
    newest_first = [key.desc() for key in keys]
    # What an entry shows: the questions, the stage's name and type, the company and the role.
    size: ColumnElement[int] = literal_column(str(pages.OBJECT_BYTES), Integer())
    shown = (_s.c.questions_asked, _s.c.stage_name, _s.c.stage_type, _a.c.company_name, _a.c.role_title)
    for column in shown:
        size = size + func.coalesce(byte_length(column), ZERO)
    narrow: Select[Any] = (
        select(*keys, size.label("size"))
        .select_from(stages)
        .where(*where)
        .order_by(*newest_first)
        .limit(bindparam("limit"))
    )
    return Prepared(
        select(_s.c.stage_type, _s.c.stage_name, _a.c.company_name, _a.c.role_title, _s.c.questions_asked)
        .select_from(stages)
        .where(*where)
        .order_by(*newest_first)
        .limit(rows_within_budget(narrow, [key.name for key in keys]))
    )


_STAGE_QUESTIONS = _stage_questions()


def _source(value: str | None) -> Source | None:
    return None if value is None else Source(value)


def _group(row: tuple[Any, ...]) -> ApplicationGroup:
    status, source, currency, count, with_salary, lows, low_high, low_low, highs, high_high, high_low = row
    return ApplicationGroup(
        ApplicationStatus(status),
        _source(source),
        currency,
        count,
        with_salary,
        AmountSum(lows, _exact(low_high, low_low)),
        AmountSum(highs, _exact(high_high, high_low)),
    )


def _offer(row: tuple[Any, ...]) -> OfferGroup:
    source, currency, count, salaried, high, low, highest = row
    return OfferGroup(
        _source(source),
        currency,
        count,
        AmountSum(salaried, _exact(high, low)),
        None if highest is None else int(highest),
    )


def _stage_figures(rows: list[tuple[Any, ...]]) -> tuple[tuple[SourceCount, ...], tuple[DayCount, ...]]:
    """The interviews per source and the stages per day, from the rows of ``_STAGES``."""
    interviews = tuple(SourceCount(_source(source), n) for kind, source, _, n in rows if kind == _INTERVIEWS)
    days = tuple(DayCount(day, n) for kind, _, day, n in rows if kind == _STAGE_DAY)
    return interviews, days


class SqlAnalytics(SqlRepository):
    """Reached as ``uow.analytics``."""

    port = "analytics"

    def dashboard(self, user_id: UUID, *, since: date, until: date) -> DashboardFigures:
        """Five grouped statements, each answering with a few dozen rows on a real account."""
        conn, mine = self.conn, {"user_id": user_id}
        window = {"user_id": user_id, "since": since, "until": until}
        interviews, stage_days = _stage_figures(_STAGES.rows(conn, window))
        return DashboardFigures(
            groups=tuple(map(_group, _GROUPS.rows(conn, mine))),
            interviews=interviews,
            offers=tuple(map(_offer, _OFFERS.rows(conn, mine))),
            applied_days=tuple(DayCount(day, count) for day, count in _APPLIED_DAYS.rows(conn, window)),
            stage_days=stage_days,
            top_companies=tuple(CompanyCount(name, count) for name, count in _TOP_COMPANIES.rows(conn, mine)),
        )

    def activity(
        self, user_id: UUID, *, application_id: UUID | None, skip: int, limit: int
    ) -> list[ActivityEntry]:
        """A page of the log, newest first, ending at the byte budget."""
        params: dict[str, Any] = {
            "user_id": user_id,
            "skip": skip,
            "limit": limit,
            "budget": pages.PAGE_BYTES,
        }
        if application_id is not None:
            params["application_id"] = application_id
        rows = _ACTIVITY[application_id is not None].rows(self.conn, params)
        return list(map(_activity.from_row, rows))

    def stage_questions(self, user_id: UUID, *, limit: int) -> list[StageQuestions]:
        """The stages holding questions, newest application first, ending at the byte budget."""
        params = {"user_id": user_id, "limit": limit, "budget": pages.PAGE_BYTES}
        return [
            StageQuestions(
                None if stage_type is None else StageType(stage_type),
                stage_name,
                company,
                role,
                tuple(questions),
            )
            for stage_type, stage_name, company, role, questions in _STAGE_QUESTIONS.rows(self.conn, params)
        ]
