"""``/applications/{id}/outcome``: one offer record per application and the status it sets."""

from __future__ import annotations

import uuid

import pytest

from .httpkit import (
    DATETIME,
    UUID_STR,
    call,
    count,
    create_application,
    create_outcome,
    register,
    rows,
    tables,
)

FULL_OUTCOME = {
    "status": "Offer",
    "salary": 150000,
    "salary_currency": "EUR",
    "bonus": "$20k sign-on",
    "equity": "10k RSUs over 4 years",
    "benefits": "Health",
    "start_date": "2026-06-01",
    "deadline": "2026-04-15",
    "negotiation_notes": "Asked for more",
    "notes": "Nice team",
}


def outcome_response(application_id: str, **fields) -> dict:
    return {
        "id": UUID_STR,
        "application_id": application_id,
        "status": "Offer",
        "salary": None,
        "salary_currency": "USD",
        "bonus": None,
        "equity": None,
        "benefits": None,
        "start_date": None,
        "deadline": None,
        "negotiation_notes": None,
        "notes": None,
        "created_at": DATETIME,
        "updated_at": DATETIME,
    } | fields


async def test_an_empty_outcome_is_an_offer_in_usd(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers, status="Interviewing")
    outcome = await create_outcome(client, headers, application["id"])
    assert outcome == outcome_response(application["id"])
    detail = await call(client, "GET", f"/applications/{application['id']}", headers)
    assert detail["status"] == "Offer"
    assert detail["outcome"] == outcome


async def test_every_outcome_field_is_stored(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    outcome = await create_outcome(client, headers, application["id"], **FULL_OUTCOME)
    assert outcome == outcome_response(application["id"], **FULL_OUTCOME)
    assert (await call(client, "GET", f"/applications/{application['id']}", headers))["outcome"] == outcome


async def test_an_explicit_null_status_means_offer(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    outcome = await create_outcome(client, headers, application["id"], status=None)
    assert outcome["status"] == "Offer"


@pytest.mark.parametrize(("outcome_status", "start", "expected"), [
    ("Offer", "Interviewing", "Offer"),
    ("Rejected", "Interviewing", "Rejected"),
    ("Withdrawn", "Applied", "Withdrawn"),
    ("Offer", "Accepted", "Accepted"),
    ("Rejected", "Accepted", "Rejected"),
    ("Offer", "Saved", "Offer"),
])  # fmt: skip
async def test_an_outcome_moves_the_application_to_its_status(client, outcome_status, start, expected):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers, status=start)
    await create_outcome(client, headers, application["id"], status=outcome_status)
    detail = await call(client, "GET", f"/applications/{application['id']}", headers)
    assert detail["status"] == expected


async def test_a_second_outcome_is_a_conflict(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    first = await create_outcome(client, headers, application["id"], salary=1)
    body = await call(
        client, "POST", f"/applications/{application['id']}/outcome", headers, json={"salary": 2}, expect=409
    )
    assert body == {"detail": "This application already has offer details. Use PUT to update."}
    assert count(db, tables.outcomes) == 1
    assert (await call(client, "GET", f"/applications/{application['id']}", headers))["outcome"] == first


async def test_an_outcome_status_outside_offer_rejected_withdrawn_is_a_422(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    body = await call(
        client,
        "POST",
        f"/applications/{application['id']}/outcome",
        headers,
        json={"status": "Interviewing"},
        expect=422,
    )
    assert body == {
        "detail": [
            {
                "type": "enum",
                "loc": ["body", "status"],
                "msg": "Input should be 'Offer', 'Rejected' or 'Withdrawn'",
                "input": "Interviewing",
                "ctx": {"expected": "'Offer', 'Rejected' or 'Withdrawn'"},
            }
        ]
    }
    assert count(db, tables.outcomes) == 0


async def test_updating_an_outcome_is_partial_and_null_clears(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    outcome = await create_outcome(client, headers, application["id"], **FULL_OUTCOME)
    path = f"/applications/{application['id']}/outcome/{outcome['id']}"
    body = {"salary": 160000, "bonus": None}
    updated = await call(client, "PUT", path, headers, json=body, expect=200)
    assert updated == outcome | body | {"updated_at": updated["updated_at"]}
    assert updated["updated_at"] != outcome["updated_at"]
    assert (await call(client, "GET", f"/applications/{application['id']}", headers))["outcome"] == updated


async def test_deleting_an_outcome_answers_the_reference_message_and_allows_a_new_one(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    outcome = await create_outcome(client, headers, application["id"])
    body = await call(
        client, "DELETE", f"/applications/{application['id']}/outcome/{outcome['id']}", headers, expect=200
    )
    assert body == {"detail": "Outcome deleted"}
    assert rows(db, tables.outcomes) == []
    assert (await call(client, "GET", f"/applications/{application['id']}", headers))["outcome"] is None
    await create_outcome(client, headers, application["id"])


async def test_an_outcome_under_another_application_is_not_found(client):
    _, headers = await register(client, "alice")
    first = await create_application(client, headers)
    second = await create_application(client, headers)
    outcome = await create_outcome(client, headers, first["id"])
    wrong = f"/applications/{second['id']}/outcome/{outcome['id']}"
    assert await call(client, "PUT", wrong, headers, json={"salary": 5}, expect=404) == {
        "detail": "Outcome not found"
    }
    assert await call(client, "DELETE", wrong, headers, expect=404) == {"detail": "Outcome not found"}
    assert (await call(client, "GET", f"/applications/{first['id']}", headers))["outcome"] == outcome


async def test_unknown_outcome_and_application_ids_are_404(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    missing = uuid.uuid4()
    path = f"/applications/{application['id']}/outcome/{missing}"
    assert await call(client, "PUT", path, headers, json={}, expect=404) == {"detail": "Outcome not found"}
    assert await call(client, "DELETE", path, headers, expect=404) == {"detail": "Outcome not found"}
    body = await call(client, "POST", f"/applications/{missing}/outcome", headers, json={}, expect=404)
    assert body == {"detail": "Application not found"}


async def test_an_outcome_update_cannot_null_or_misstate_the_status(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    outcome = await create_outcome(client, headers, application["id"])
    path = f"/applications/{application['id']}/outcome/{outcome['id']}"
    for bad in (None, "Interviewing", "offer"):
        body = await call(client, "PUT", path, headers, json={"status": bad}, expect=422)
        assert [e["loc"] for e in body["detail"]] == [["body", "status"]]
    updated = await call(client, "PUT", path, headers, json={"status": "Withdrawn"}, expect=200)
    assert updated["status"] == "Withdrawn"
