"""``/applications/{id}/stages|outcome|reflection``: the children of one application."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from offertracker_core.entities import Outcome, Reflection, Stage
from offertracker_core.errors import BusinessRuleViolation, Conflict, Forbidden, NotFound
from offertracker_core.inputs import (
    NewOutcome,
    NewReflection,
    NewStage,
    OutcomeChanges,
    ReflectionChanges,
    StageChanges,
)

from ..schemas import Message
from ._common import Routes, caller, deleted, services

routes = Routes("applications")

_APP = "/applications/{application_id}"
_OWNED = (NotFound, Forbidden)


@routes.post(_APP + "/stages", status=201, errors=(*_OWNED, BusinessRuleViolation))
async def add_stage(request: web.Request, application_id: UUID, new: NewStage) -> Stage:
    return await services(request).stages.add(caller(request), application_id, new)


@routes.put(_APP + "/stages/{stage_id}", errors=_OWNED)
async def update_stage(
    request: web.Request, application_id: UUID, stage_id: UUID, changes: StageChanges
) -> Stage:
    return await services(request).stages.update(caller(request), application_id, stage_id, changes)


@routes.delete(_APP + "/stages/{stage_id}", errors=_OWNED)
async def delete_stage(request: web.Request, application_id: UUID, stage_id: UUID) -> Message:
    await services(request).stages.delete(caller(request), application_id, stage_id)
    return deleted("Stage")


@routes.post(_APP + "/outcome", status=201, errors=(*_OWNED, Conflict))
async def create_outcome(request: web.Request, application_id: UUID, new: NewOutcome) -> Outcome:
    return await services(request).outcomes.create(caller(request), application_id, new)


@routes.put(_APP + "/outcome/{outcome_id}", errors=_OWNED)
async def update_outcome(
    request: web.Request, application_id: UUID, outcome_id: UUID, changes: OutcomeChanges
) -> Outcome:
    return await services(request).outcomes.update(caller(request), application_id, outcome_id, changes)


@routes.delete(_APP + "/outcome/{outcome_id}", errors=_OWNED)
async def delete_outcome(request: web.Request, application_id: UUID, outcome_id: UUID) -> Message:
    await services(request).outcomes.delete(caller(request), application_id, outcome_id)
    return deleted("Outcome")


@routes.post(_APP + "/reflection", status=201, errors=(*_OWNED, Conflict))
async def create_reflection(request: web.Request, application_id: UUID, new: NewReflection) -> Reflection:
    return await services(request).reflections.create(caller(request), application_id, new)


@routes.put(_APP + "/reflection/{reflection_id}", errors=_OWNED)
async def update_reflection(
    request: web.Request, application_id: UUID, reflection_id: UUID, changes: ReflectionChanges
) -> Reflection:
    return await services(request).reflections.update(caller(request), application_id, reflection_id, changes)


@routes.delete(_APP + "/reflection/{reflection_id}", errors=_OWNED)
async def delete_reflection(request: web.Request, application_id: UUID, reflection_id: UUID) -> Message:
    await services(request).reflections.delete(caller(request), application_id, reflection_id)
    return deleted("Reflection")
