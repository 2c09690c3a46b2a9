"""Resumes, applications and an application's children (stages, outcome, reflection).

A page of applications is loaded with one query for the page plus one
``IN (...)`` query per child table, whatever the page size; a single detail
costs the same four statements, all in one hop.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, select

from offertracker_core.entities import (
    Application,
    ApplicationDetail,
    Outcome,
    Reflection,
    ResumeVersion,
    Stage,
)
from offertracker_core.enums import ApplicationStatus, Priority

from ..rows import Mapper
from ..tables import application_stages, applications, outcomes, reflections, resume_versions
from .base import CrudRepository

__all__ = ["SqlApplications", "SqlOutcomes", "SqlReflections", "SqlResumes", "SqlStages"]

_stages = Mapper(Stage, application_stages)
_outcomes = Mapper(Outcome, outcomes)
_reflections = Mapper(Reflection, reflections)


_RESUME_PAGE = (
    select(*Mapper(ResumeVersion, resume_versions).columns)
    .where(resume_versions.c.user_id == bindparam("user_id"))
    .order_by(resume_versions.c.created_at.desc(), resume_versions.c.id.desc())
    .offset(bindparam("skip"))
    .limit(bindparam("limit"))
)


class SqlResumes(CrudRepository[ResumeVersion]):
    mapper = Mapper(ResumeVersion, resume_versions)

    def list_for_user(self, user_id: UUID, skip: int, limit: int) -> list[ResumeVersion]:
        """The user's resume versions, newest first."""
        return self._all(_RESUME_PAGE, {"user_id": user_id, "skip": skip, "limit": limit})


def _page(*, by_status: bool, by_priority: bool) -> Select[Any]:
    query = select(*Mapper(Application, applications).columns).where(
        applications.c.user_id == bindparam("user_id")
    )
    if by_status:
        query = query.where(applications.c.status == bindparam("status"))
    if by_priority:
        query = query.where(applications.c.priority == bindparam("priority"))
    return (
        query.order_by(applications.c.created_at.desc(), applications.c.id.desc())
        .offset(bindparam("skip"))
        .limit(bindparam("limit"))
    )


# One prebuilt statement per filter combination (see CrudRepository on why).
_PAGES = {
    (by_status, by_priority): _page(by_status=by_status, by_priority=by_priority)
    for by_status in (False, True)
    for by_priority in (False, True)
}


class SqlApplications(CrudRepository[Application]):
    mapper = Mapper(Application, applications)

    def get_detail(self, application_id: UUID) -> ApplicationDetail | None:
        """The application with its stages, outcome and reflection."""
        application = self.get(application_id)
        if application is None:
            return None
        return self._details([application])[0]

    def list_details(
        self,
        user_id: UUID,
        *,
        status: ApplicationStatus | None,
        priority: Priority | None,
        skip: int,
        limit: int,
    ) -> list[ApplicationDetail]:
        """A page of the user's applications, newest first, with their children."""
        query = _PAGES[(status is not None, priority is not None)]
        params = {
            "user_id": user_id,
            "status": status and status.value,
            "priority": priority and priority.value,
            "skip": skip,
            "limit": limit,
        }
        return self._details(self._all(query, params))

    def _details(self, page: Sequence[Application]) -> list[ApplicationDetail]:
        if not page:
            return []
        params = {"ids": [application.id for application in page]}
        stages: dict[UUID, list[Stage]] = defaultdict(list)
        for row in self.conn.execute(_STAGES_OF, params).mappings():
            stages[row["application_id"]].append(_stages.from_row(row))
        outcome_by_app = {
            row["application_id"]: _outcomes.from_row(row)
            for row in self.conn.execute(_OUTCOMES_OF, params).mappings()
        }
        reflection_by_app = {
            row["application_id"]: _reflections.from_row(row)
            for row in self.conn.execute(_REFLECTIONS_OF, params).mappings()
        }
        return [
            ApplicationDetail(
                application=application,
                stages=tuple(stages.get(application.id, ())),
                outcome=outcome_by_app.get(application.id),
                reflection=reflection_by_app.get(application.id),
            )
            for application in page
        ]


def select_children(mapper: Mapper[Any]) -> Select[Any]:
    """Rows of ``mapper``'s table whose ``application_id`` is in the expanding parameter ``ids``."""
    return select(*mapper.columns).where(mapper.table.c.application_id.in_(bindparam("ids", expanding=True)))


_STAGES_OF = select_children(_stages).order_by(
    application_stages.c.stage_date.asc().nulls_last(),
    application_stages.c.created_at,
    application_stages.c.id,
)
_OUTCOMES_OF = select_children(_outcomes)
_REFLECTIONS_OF = select_children(_reflections)


class SqlStages(CrudRepository[Stage]):
    mapper = _stages


class _OnePerApplication(CrudRepository[Any]):
    def get_for_application(self, application_id: UUID) -> Any:
        """The application's one row, or ``None``."""
        query = self._select().where(self.mapper.table.c.application_id == bindparam("application_id"))
        return self._one(query, {"application_id": application_id})


class SqlOutcomes(_OnePerApplication):
    mapper = _outcomes


class SqlReflections(_OnePerApplication):
    mapper = _reflections
