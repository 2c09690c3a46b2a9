"""Resumes, applications and an application's children (stages, outcome, reflection).

A page of applications is one query for the page (outcome and reflection
joined in: both are one per application) plus one ``IN (...)`` query for the
stages, whatever the page size; a single detail costs two statements too, all
in one hop.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from sqlalchemy import Select, bindparam, func, select

from offertracker_core import pages
from offertracker_core.entities import (
    Application,
    ApplicationDetail,
    Outcome,
    Reflection,
    ResumeVersion,
    Stage,
)
from offertracker_core.enums import ApplicationStatus, Priority

from ..prepared import Prepared
from ..rows import Mapper
from ..tables import application_stages, applications, outcomes, reflections, resume_versions
from .application_pages import (
    applications_within_budget,
    detail_json_statement,
    newest_first,
    page_json_statement,
)
from .base import CrudRepository

__all__ = ["SqlApplications", "SqlOutcomes", "SqlReflections", "SqlResumes", "SqlStages"]

_stages = Mapper(Stage, application_stages)
_outcomes = Mapper(Outcome, outcomes)
_reflections = Mapper(Reflection, reflections)
_resumes = Mapper(ResumeVersion, resume_versions)


class SqlResumes(CrudRepository[ResumeVersion]):
    """Resume versions: a plain owned resource, reached as ``uow.owned(ResumeVersion)``."""

    mapper = _resumes


_applications = Mapper(Application, applications)
_APPLICATION_WIDTH = len(_applications.columns)
_OUTCOME_WIDTH = len(_outcomes.columns)


def _with_one_to_ones() -> Select[Any]:
    """Application rows with their outcome and reflection columns alongside.

    Both are one per application (unique constraints), so the outer joins never
    multiply rows: a page or a single detail costs this statement plus one for
    the stages.
    """
    return select(*_applications.columns, *_outcomes.columns, *_reflections.columns).select_from(
        applications.outerjoin(outcomes, outcomes.c.application_id == applications.c.id).outerjoin(
            reflections, reflections.c.application_id == applications.c.id
        )
    )


def _page(*, by_status: bool, by_priority: bool) -> Select[Any]:
    query = _with_one_to_ones().where(applications.c.user_id == bindparam("user_id"))
    if by_status:
        query = query.where(applications.c.status == bindparam("status"))
    if by_priority:
        query = query.where(applications.c.priority == bindparam("priority"))
    # Where the page ends is the read model's own count, so both end at the same application.
    return (
        query.order_by(*newest_first(applications))
        .offset(bindparam("skip"))
        .limit(applications_within_budget(by_status=by_status, by_priority=by_priority))
    )


# One prebuilt statement per filter combination (see CrudRepository on why).
_PAGES = {
    (by_status, by_priority): _page(by_status=by_status, by_priority=by_priority)
    for by_status in (False, True)
    for by_priority in (False, True)
}
_DETAIL_QUERY = _with_one_to_ones().where(applications.c.id == bindparam("application_id"))
_DETAIL = Prepared(_DETAIL_QUERY)
# Only the application row: PostgreSQL cannot lock the nullable side of an outer join.
_DETAIL_LOCKED = Prepared(
    _DETAIL_QUERY.with_for_update(of=applications, key_share=True)
)  # see CrudRepository
_STAGE_ORDER = (
    application_stages.c.stage_date.asc().nulls_last(),
    application_stages.c.created_at,
    application_stages.c.id,
)
_STAGES_OF_ONE = Prepared(
    select(*_stages.columns)
    .where(application_stages.c.application_id == bindparam("application_id"))
    .order_by(*_STAGE_ORDER)
)
_STAGES_OF_MANY = (
    select(*_stages.columns)
    .where(application_stages.c.application_id.in_(bindparam("ids", expanding=True)))
    .order_by(*_STAGE_ORDER)
)


@cache
def _page_json(dialect: str, by_status: bool, by_priority: bool) -> Prepared:
    return Prepared(page_json_statement(dialect, by_status=by_status, by_priority=by_priority))


@cache
def _detail_json(dialect: str) -> Prepared:
    return Prepared(detail_json_statement(dialect))


def _detail(row: Any, stages: Sequence[Stage]) -> ApplicationDetail:
    """An ``ApplicationDetail`` from a row of :func:`_with_one_to_ones` and the application's stages."""
    outcome_at = _APPLICATION_WIDTH
    reflection_at = outcome_at + _OUTCOME_WIDTH
    return ApplicationDetail(
        application=_applications.from_row(row),
        stages=tuple(stages),
        outcome=None if row[outcome_at] is None else _outcomes.from_row(row[outcome_at:reflection_at]),
        reflection=None if row[reflection_at] is None else _reflections.from_row(row[reflection_at:]),
    )


class SqlApplications(CrudRepository[Application]):
    port = "applications"
    mapper = _applications

    def get_detail(self, application_id: UUID, *, for_update: bool = False) -> ApplicationDetail | None:
        """The application with its stages, outcome and reflection (two statements);
        ``for_update`` locks the application row."""
        params = {"application_id": application_id}
        row = (_DETAIL_LOCKED if for_update else _DETAIL).first(self.conn, params)
        if row is None:
            return None
        return _detail(row, list(map(_stages.from_row, _STAGES_OF_ONE.rows(self.conn, params))))

    def list_details(
        self,
        user_id: UUID,
        *,
        status: ApplicationStatus | None,
        priority: Priority | None,
        skip: int,
        limit: int,
    ) -> list[ApplicationDetail]:
        """A page of the user's applications, newest first, with their children (two statements)."""
        query = _PAGES[(status is not None, priority is not None)]
        params = {
            "user_id": user_id,
            "status": status and status.value,
            "priority": priority and priority.value,
            "skip": skip,
            "limit": limit,
            "budget": pages.PAGE_BYTES,
        }
        rows = self.conn.execute(query, params).all()
        if not rows:
            return []
        stages: dict[UUID, list[Stage]] = defaultdict(list)
        ids = [row[0] for row in rows]
        for stage in map(_stages.from_row, self.conn.execute(_STAGES_OF_MANY, {"ids": ids}).all()):
            stages[stage.application_id].append(stage)
        return [_detail(row, stages.get(row[0], ())) for row in rows]

    def page_json(
        self,
        user_id: UUID,
        *,
        status: ApplicationStatus | None,
        priority: Priority | None,
        skip: int,
        limit: int,
    ) -> bytes:
        """The page of :meth:`list_details`, rendered by the database (see ``application_pages``)."""
        statement = _page_json(self.conn.dialect.name, status is not None, priority is not None)
        params: dict[str, Any] = {
            "user_id": user_id,
            "skip": skip,
            "limit": limit,
            "budget": pages.PAGE_BYTES,
        }
        if status is not None:
            params["status"] = status.value
        if priority is not None:
            params["priority"] = priority.value
        page = statement.first(self.conn, params)
        assert page is not None  # an aggregate: one row, '[]' for an empty page
        return str(page[0]).encode()

    def detail_json(self, application_id: UUID) -> tuple[UUID, bytes] | None:
        """The owner and the :meth:`get_detail` of one application, rendered by the database
        (``application_pages``) in one statement."""
        row = _detail_json(self.conn.dialect.name).first(self.conn, {"application_id": application_id})
        return None if row is None else (row[0], str(row[1]).encode())


_STAGE_COUNT = Prepared(
    select(func.count())
    .select_from(application_stages)
    .where(application_stages.c.application_id == bindparam("application_id"))
)


class SqlStages(CrudRepository[Stage]):
    port = "stages"
    mapper = _stages

    def count_for_application(self, application_id: UUID) -> int:
        """How many stages the application has (an index range of the application's stages)."""
        row = _STAGE_COUNT.first(self.conn, {"application_id": application_id})
        return 0 if row is None else int(row[0])


_E = TypeVar("_E")


class _OnePerApplication(CrudRepository[_E]):
    _of_application: ClassVar[Prepared]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        table = cls.mapper.table
        cls._of_application = Prepared(
            cls._select_all.where(table.c.application_id == bindparam("application_id"))
        )

    def get_for_application(self, application_id: UUID) -> _E | None:
        """The application's one row, or ``None``."""
        return self._one(self._of_application, {"application_id": application_id})


class SqlOutcomes(_OnePerApplication[Outcome]):
    port = "outcomes"
    mapper = _outcomes


class SqlReflections(_OnePerApplication[Reflection]):
    port = "reflections"
    mapper = _reflections
