"""``/applications/{id}/reflection``: one post-interview reflection per application."""

from __future__ import annotations

import uuid

from .httpkit import (
    DATETIME,
    UUID_STR,
    call,
    count,
    create_application,
    create_reflection,
    register,
    rows,
    tables,
)

SKILL_GAPS = {"TypeScript": "intermediate", "levels": [1, 2, {"deep": None}], "ok": True, "score": 3.5}


def reflection_response(application_id: str, **fields) -> dict:
    return {
        "id": UUID_STR,
        "application_id": application_id,
        "what_worked": None,
        "what_failed": None,
        "skill_gaps": None,
        "improvement_plan": None,
        "created_at": DATETIME,
        "updated_at": DATETIME,
    } | fields


async def test_a_reflection_stores_every_field_and_any_json_object(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers, status="Rejected")
    fields = {
        "what_worked": "Stories",
        "what_failed": "System design",
        "skill_gaps": SKILL_GAPS,
        "improvement_plan": "Read DDIA",
    }
    reflection = await create_reflection(client, headers, application["id"], **fields)
    assert reflection == reflection_response(application["id"], **fields)
    detail = await call(client, "GET", f"/applications/{application['id']}", headers)
    assert detail["reflection"] == reflection
    assert detail["status"] == "Rejected"
    [row] = rows(db, tables.reflections)
    assert row["skill_gaps"] == SKILL_GAPS


async def test_an_empty_reflection_is_all_nulls(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    assert await create_reflection(client, headers, application["id"]) == reflection_response(
        application["id"]
    )


async def test_skill_gaps_must_be_an_object(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    body = await call(
        client,
        "POST",
        f"/applications/{application['id']}/reflection",
        headers,
        json={"skill_gaps": ["not", "an", "object"]},
        expect=422,
    )
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [(["body", "skill_gaps"], "dict_type")]


async def test_a_second_reflection_is_a_conflict(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    first = await create_reflection(client, headers, application["id"], what_worked="a")
    body = await call(
        client,
        "POST",
        f"/applications/{application['id']}/reflection",
        headers,
        json={"what_worked": "b"},
        expect=409,
    )
    assert body == {"detail": "This application already has a reflection. Use PUT to update."}
    assert count(db, tables.reflections) == 1
    assert (await call(client, "GET", f"/applications/{application['id']}", headers))["reflection"] == first


async def test_updating_a_reflection_is_partial_and_null_clears(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    reflection = await create_reflection(
        client, headers, application["id"], what_worked="a", skill_gaps={"Go": "none"}
    )
    path = f"/applications/{application['id']}/reflection/{reflection['id']}"
    body = {"what_failed": "b", "skill_gaps": None}
    updated = await call(client, "PUT", path, headers, json=body, expect=200)
    assert updated == reflection | body | {"updated_at": updated["updated_at"]}
    assert updated["updated_at"] != reflection["updated_at"]
    replaced = await call(client, "PUT", path, headers, json={"skill_gaps": {"Rust": 1}}, expect=200)
    assert replaced["skill_gaps"] == {"Rust": 1}
    assert (await call(client, "GET", f"/applications/{application['id']}", headers))[
        "reflection"
    ] == replaced


async def test_deleting_a_reflection_answers_the_reference_message(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    reflection = await create_reflection(client, headers, application["id"])
    body = await call(
        client,
        "DELETE",
        f"/applications/{application['id']}/reflection/{reflection['id']}",
        headers,
        expect=200,
    )
    assert body == {"detail": "Reflection deleted"}
    assert rows(db, tables.reflections) == []
    assert (await call(client, "GET", f"/applications/{application['id']}", headers))["reflection"] is None


async def test_a_reflection_under_another_application_is_not_found(client):
    _, headers = await register(client, "alice")
    first = await create_application(client, headers)
    second = await create_application(client, headers)
    reflection = await create_reflection(client, headers, first["id"])
    wrong = f"/applications/{second['id']}/reflection/{reflection['id']}"
    assert await call(client, "PUT", wrong, headers, json={"what_worked": "x"}, expect=404) == {
        "detail": "Reflection not found"
    }
    assert await call(client, "DELETE", wrong, headers, expect=404) == {"detail": "Reflection not found"}
    assert (await call(client, "GET", f"/applications/{first['id']}", headers))["reflection"] == reflection


async def test_unknown_reflection_and_application_ids_are_404(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    missing = uuid.uuid4()
    path = f"/applications/{application['id']}/reflection/{missing}"
    assert await call(client, "PUT", path, headers, json={}, expect=404) == {"detail": "Reflection not found"}
    assert await call(client, "DELETE", path, headers, expect=404) == {"detail": "Reflection not found"}
    body = await call(client, "POST", f"/applications/{missing}/reflection", headers, json={}, expect=404)
    assert body == {"detail": "Application not found"}
