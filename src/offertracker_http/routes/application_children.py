"""``/applications/{id}/stages|outcome|reflection``: the children of one application."""

from __future__ import annotations

from aiohttp import web

from offertracker_core.inputs import (
    NewOutcome,
    NewReflection,
    NewStage,
    OutcomeChanges,
    ReflectionChanges,
    StageChanges,
)

from ..parsing import parse_body, parse_path_id
from ..rendering import json_response
from ._common import Routes, caller, deleted, services

routes = Routes()

_APP = "/applications/{application_id}"


@routes.post(_APP + "/stages")
async def add_stage(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    new = await parse_body(request, NewStage)
    stage = await services(request).stages.add(caller(request), application_id, new)
    return json_response(stage, status=201)


@routes.put(_APP + "/stages/{stage_id}")
async def update_stage(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    stage_id = parse_path_id(request, "stage_id")
    changes = await parse_body(request, StageChanges)
    stage = await services(request).stages.update(caller(request), application_id, stage_id, changes)
    return json_response(stage)


@routes.delete(_APP + "/stages/{stage_id}")
async def delete_stage(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    stage_id = parse_path_id(request, "stage_id")
    await services(request).stages.delete(caller(request), application_id, stage_id)
    return deleted("Stage")


@routes.post(_APP + "/outcome")
async def create_outcome(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    new = await parse_body(request, NewOutcome)
    outcome = await services(request).outcomes.create(caller(request), application_id, new)
    return json_response(outcome, status=201)


@routes.put(_APP + "/outcome/{outcome_id}")
async def update_outcome(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    outcome_id = parse_path_id(request, "outcome_id")
    changes = await parse_body(request, OutcomeChanges)
    outcome = await services(request).outcomes.update(caller(request), application_id, outcome_id, changes)
    return json_response(outcome)


@routes.delete(_APP + "/outcome/{outcome_id}")
async def delete_outcome(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    outcome_id = parse_path_id(request, "outcome_id")
    await services(request).outcomes.delete(caller(request), application_id, outcome_id)
    return deleted("Outcome")


@routes.post(_APP + "/reflection")
async def create_reflection(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    new = await parse_body(request, NewReflection)
    reflection = await services(request).reflections.create(caller(request), application_id, new)
    return json_response(reflection, status=201)


@routes.put(_APP + "/reflection/{reflection_id}")
async def update_reflection(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    reflection_id = parse_path_id(request, "reflection_id")
    changes = await parse_body(request, ReflectionChanges)
    reflection = await services(request).reflections.update(
        caller(request), application_id, reflection_id, changes
    )
    return json_response(reflection)


@routes.delete(_APP + "/reflection/{reflection_id}")
async def delete_reflection(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    reflection_id = parse_path_id(request, "reflection_id")
    await services(request).reflections.delete(caller(request), application_id, reflection_id)
    return deleted("Reflection")
