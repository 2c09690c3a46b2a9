"""``/applications/{id}/stages``: interview rounds and the Applied → Interviewing rule."""

from __future__ import annotations

import uuid

from .httpkit import DATETIME, UUID_STR, add_stage, call, create_application, register, rows, tables

FULL_STAGE = {
    "stage_name": "Tech screen",
    "stage_type": "Technical",
    "stage_date": "2026-03-02",
    "result": "Passed",
    "duration_minutes": 45,
    "interviewer_names": "Ada, Grace",
    "prep_notes": "Graphs",
    "questions_asked": ["Reverse a list", "Explain GC"],
    "notes": "Went well",
}


def stage_response(application_id: str, **fields) -> dict:
    return {
        "id": UUID_STR,
        "application_id": application_id,
        "stage_name": "Recruiter Call",
        "stage_type": None,
        "stage_date": None,
        "result": "Pending",
        "duration_minutes": None,
        "interviewer_names": None,
        "prep_notes": None,
        "questions_asked": None,
        "notes": None,
        "created_at": DATETIME,
        "updated_at": DATETIME,
    } | fields


async def test_a_minimal_stage_gets_the_defaults(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    stage = await add_stage(client, headers, application["id"])
    assert stage == stage_response(application["id"])


async def test_every_stage_field_is_stored_and_nested_in_the_application(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    stage = await add_stage(client, headers, application["id"], **FULL_STAGE)
    assert stage == stage_response(application["id"], **FULL_STAGE)
    detail = await call(client, "GET", f"/applications/{application['id']}", headers, expect=200)
    assert detail["stages"] == [stage]
    [row] = rows(db, tables.application_stages)
    assert row["questions_asked"] == ["Reverse a list", "Explain GC"]


async def test_a_stage_moves_an_applied_application_to_interviewing(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers, status="Applied")
    await add_stage(client, headers, application["id"])
    detail = await call(client, "GET", f"/applications/{application['id']}", headers)
    assert detail["status"] == "Interviewing"
    assert detail["applied_date"] == application["applied_date"]


async def test_a_stage_leaves_other_statuses_alone(client):
    _, headers = await register(client, "alice")
    for status in ("Saved", "Interviewing", "Offer", "Rejected"):
        application = await create_application(client, headers, status=status)
        await add_stage(client, headers, application["id"])
        detail = await call(client, "GET", f"/applications/{application['id']}", headers)
        assert detail["status"] == status


async def test_nested_stages_are_ordered_by_date_with_undated_last_then_by_creation(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    app_id = application["id"]
    undated_1 = await add_stage(client, headers, app_id, stage_name="undated 1")
    late = await add_stage(client, headers, app_id, stage_name="late", stage_date="2026-05-01")
    early = await add_stage(client, headers, app_id, stage_name="early", stage_date="2026-04-01")
    undated_2 = await add_stage(client, headers, app_id, stage_name="undated 2")
    same_day = await add_stage(client, headers, app_id, stage_name="late too", stage_date="2026-05-01")
    detail = await call(client, "GET", f"/applications/{app_id}", headers)
    expected = [early, late, same_day, undated_1, undated_2]
    assert [s["stage_name"] for s in detail["stages"]] == [s["stage_name"] for s in expected]
    [listed] = await call(client, "GET", "/applications/", headers)
    assert listed["stages"] == detail["stages"]


async def test_updating_a_stage_is_partial_and_null_clears(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    stage = await add_stage(client, headers, application["id"], **FULL_STAGE)
    path = f"/applications/{application['id']}/stages/{stage['id']}"
    body = {"result": "Failed", "questions_asked": None, "stage_date": None}
    updated = await call(client, "PUT", path, headers, json=body, expect=200)
    assert updated == stage | body | {"updated_at": updated["updated_at"]}
    assert updated["updated_at"] != stage["updated_at"]
    detail = await call(client, "GET", f"/applications/{application['id']}", headers)
    assert detail["stages"] == [updated]


async def test_a_stage_update_cannot_null_the_name_or_result(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    stage = await add_stage(client, headers, application["id"])
    path = f"/applications/{application['id']}/stages/{stage['id']}"
    body = await call(client, "PUT", path, headers, json={"stage_name": None, "result": None}, expect=422)
    assert [e["loc"] for e in body["detail"]] == [["body", "stage_name"], ["body", "result"]]


async def test_duration_must_be_positive(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    body = await call(
        client,
        "POST",
        f"/applications/{application['id']}/stages",
        headers,
        json={"stage_name": "x", "duration_minutes": 0},
        expect=422,
    )
    [error] = body["detail"]
    assert (error["type"], error["loc"], error["msg"]) == (
        "greater_than",
        ["body", "duration_minutes"],
        "Input should be greater than 0",
    )


async def test_deleting_a_stage_answers_the_reference_message(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    stage = await add_stage(client, headers, application["id"])
    body = await call(
        client, "DELETE", f"/applications/{application['id']}/stages/{stage['id']}", headers, expect=200
    )
    assert body == {"detail": "Stage deleted"}
    assert rows(db, tables.application_stages) == []
    assert (await call(client, "GET", f"/applications/{application['id']}", headers))["stages"] == []


async def test_a_stage_under_another_application_is_not_found(client):
    _, headers = await register(client, "alice")
    first = await create_application(client, headers)
    second = await create_application(client, headers)
    stage = await add_stage(client, headers, first["id"])
    wrong = f"/applications/{second['id']}/stages/{stage['id']}"
    assert await call(client, "PUT", wrong, headers, json={"notes": "x"}, expect=404) == {
        "detail": "Stage not found"
    }
    assert await call(client, "DELETE", wrong, headers, expect=404) == {"detail": "Stage not found"}
    detail = await call(client, "GET", f"/applications/{first['id']}", headers)
    assert detail["stages"] == [stage]


async def test_unknown_stage_and_application_ids_are_404(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    missing = uuid.uuid4()
    path = f"/applications/{application['id']}/stages/{missing}"
    assert await call(client, "PUT", path, headers, json={}, expect=404) == {"detail": "Stage not found"}
    assert await call(client, "DELETE", path, headers, expect=404) == {"detail": "Stage not found"}
    body = await call(
        client, "POST", f"/applications/{missing}/stages", headers, json={"stage_name": "x"}, expect=404
    )
    assert body == {"detail": "Application not found"}
