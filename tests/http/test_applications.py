"""``/applications``: create, read, list, partial update and delete (behaviour.md §4, §5)."""

from __future__ import annotations

import uuid

from .httpkit import (
    DATETIME,
    UUID_STR,
    add_stage,
    call,
    count,
    create_application,
    create_outcome,
    create_reflection,
    create_resume,
    register,
    rows,
    tables,
)

FULL = {
    "company_name": "Globex",
    "role_title": "Staff Engineer",
    "url": "https://jobs.example/globex/42",
    "description": "Build things",
    "location": "Berlin",
    "job_type": "Full-time",
    "work_mode": "Hybrid",
    "salary_min": 90000,
    "salary_max": 120000,
    "salary_currency": "EUR",
    "applied_source": "Referral",
    "applied_date": "2026-02-03",
    "follow_up_date": "2026-02-17",
    "priority": "High",
    "notes": "Ask about on-call",
    "status": "Applied",
}


def application_response(user_id: str, **fields) -> dict:
    return {
        "id": UUID_STR,
        "user_id": user_id,
        "company_name": "Acme",
        "role_title": "Engineer",
        "url": None,
        "description": None,
        "location": None,
        "job_type": None,
        "work_mode": None,
        "salary_min": None,
        "salary_max": None,
        "salary_currency": "USD",
        "applied_source": None,
        "applied_date": None,
        "follow_up_date": None,
        "priority": None,
        "notes": None,
        "status": "Saved",
        "resume_version_id": None,
        "created_at": DATETIME,
        "updated_at": DATETIME,
        "stages": [],
        "outcome": None,
        "reflection": None,
    } | fields


async def test_a_minimal_application_gets_the_reference_defaults(client, db):
    user, headers = await register(client, "alice")
    created = await create_application(client, headers)
    assert created == application_response(user["id"])
    [row] = rows(db, tables.applications)
    assert (str(row["id"]), row["status"], row["salary_currency"]) == (created["id"], "Saved", "USD")


async def test_every_field_given_is_stored_and_returned(client):
    user, headers = await register(client, "alice")
    resume = await create_resume(client, headers)
    created = await create_application(client, headers, **FULL, resume_version_id=resume["id"])
    assert created == application_response(user["id"], **FULL, resume_version_id=resume["id"])
    assert await call(client, "GET", f"/applications/{created['id']}", headers, expect=200) == created


async def test_creating_as_applied_dates_it_today(client, clock):
    _, headers = await register(client, "alice")
    created = await create_application(client, headers, status="Applied")
    assert created["applied_date"] == clock.today().isoformat()


async def test_an_explicit_applied_date_is_kept(client):
    _, headers = await register(client, "alice")
    created = await create_application(client, headers, status="Applied", applied_date="2025-12-24")
    assert created["applied_date"] == "2025-12-24"


async def test_a_saved_application_has_no_applied_date(client):
    _, headers = await register(client, "alice")
    assert (await create_application(client, headers))["applied_date"] is None


async def test_the_slashless_paths_work_like_the_canonical_ones(client):
    _, headers = await register(client, "alice")
    created = await call(
        client, "POST", "/applications", headers, json={"company_name": "A", "role_title": "B"}, expect=201
    )
    assert await call(client, "GET", "/applications", headers, expect=200) == await call(
        client, "GET", "/applications/", headers, expect=200
    )
    assert [a["id"] for a in await call(client, "GET", "/applications", headers)] == [created["id"]]


async def test_the_list_is_newest_first_and_only_the_callers(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    ids = [(await create_application(client, alice, company_name=f"C{i}"))["id"] for i in range(3)]
    await create_application(client, bob)
    listed = await call(client, "GET", "/applications/", alice, expect=200)
    assert [a["id"] for a in listed] == list(reversed(ids))


async def test_the_list_filters_by_status_and_priority(client):
    _, headers = await register(client, "alice")
    saved_high = await create_application(client, headers, priority="High")
    applied_high = await create_application(client, headers, status="Applied", priority="High")
    applied_low = await create_application(client, headers, status="Applied", priority="Low")

    async def ids(**params):
        return [
            a["id"] for a in await call(client, "GET", "/applications/", headers, params=params, expect=200)
        ]

    assert await ids(status="Applied") == [applied_low["id"], applied_high["id"]]
    assert await ids(priority="High") == [applied_high["id"], saved_high["id"]]
    assert await ids(status="Applied", priority="High") == [applied_high["id"]]
    assert await ids(status="Offer") == []


async def test_the_list_pages_with_skip_and_limit(client):
    _, headers = await register(client, "alice")
    ids = [(await create_application(client, headers, company_name=f"C{i}"))["id"] for i in range(5)]
    newest_first = list(reversed(ids))
    page = await call(client, "GET", "/applications/", headers, params={"skip": 1, "limit": 2}, expect=200)
    assert [a["id"] for a in page] == newest_first[1:3]
    page = await call(client, "GET", "/applications/", headers, params={"skip": 4, "limit": 1000}, expect=200)
    assert [a["id"] for a in page] == newest_first[4:]


async def test_the_list_nests_children_like_the_single_read(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers, status="Applied")
    await add_stage(client, headers, application["id"])
    await create_outcome(client, headers, application["id"], salary=100)
    await create_reflection(client, headers, application["id"], what_worked="prep")
    single = await call(client, "GET", f"/applications/{application['id']}", headers, expect=200)
    [listed] = await call(client, "GET", "/applications/", headers, expect=200)
    assert listed == single
    assert len(single["stages"]) == 1
    assert single["outcome"]["salary"] == 100
    assert single["reflection"]["what_worked"] == "prep"


async def test_an_update_changes_only_the_fields_sent(client):
    _, headers = await register(client, "alice")
    created = await create_application(client, headers, **FULL)
    updated = await call(
        client, "PUT", f"/applications/{created['id']}", headers, json={"notes": "New notes"}, expect=200
    )
    assert updated == created | {"notes": "New notes", "updated_at": updated["updated_at"]}
    assert updated["updated_at"] != created["updated_at"]
    assert updated["created_at"] == created["created_at"]


async def test_null_clears_a_nullable_field(client, db):
    _, headers = await register(client, "alice")
    created = await create_application(client, headers, **FULL)
    body = {"salary_min": None, "priority": None, "follow_up_date": None, "url": None}
    updated = await call(client, "PUT", f"/applications/{created['id']}", headers, json=body, expect=200)
    assert updated == created | body | {"updated_at": updated["updated_at"]}
    [row] = rows(db, tables.applications)
    assert (row["salary_min"], row["priority"], row["follow_up_date"], row["url"]) == (None, None, None, None)


async def test_null_on_a_required_field_is_a_422_and_changes_nothing(client):
    _, headers = await register(client, "alice")
    created = await create_application(client, headers)
    body = await call(
        client,
        "PUT",
        f"/applications/{created['id']}",
        headers,
        json={"company_name": None, "notes": "should not stick"},
        expect=422,
    )
    assert [(e["loc"], e["type"], e["msg"]) for e in body["detail"]] == [
        (["body", "company_name"], "string_type", "Input should be a valid string")
    ]
    assert await call(client, "GET", f"/applications/{created['id']}", headers) == created


async def test_an_empty_update_still_stamps_updated_at(client):
    _, headers = await register(client, "alice")
    created = await create_application(client, headers)
    updated = await call(client, "PUT", f"/applications/{created['id']}", headers, json={}, expect=200)
    assert updated == created | {"updated_at": updated["updated_at"]}
    assert updated["updated_at"] != created["updated_at"]


async def test_saved_to_applied_dates_the_application_today(client, clock):
    _, headers = await register(client, "alice")
    created = await create_application(client, headers)
    updated = await call(
        client, "PUT", f"/applications/{created['id']}", headers, json={"status": "Applied"}, expect=200
    )
    assert (updated["status"], updated["applied_date"]) == ("Applied", clock.today().isoformat())


async def test_saved_to_applied_with_a_date_keeps_that_date(client):
    _, headers = await register(client, "alice")
    created = await create_application(client, headers)
    updated = await call(
        client,
        "PUT",
        f"/applications/{created['id']}",
        headers,
        json={"status": "Applied", "applied_date": "2026-01-05"},
        expect=200,
    )
    assert updated["applied_date"] == "2026-01-05"


async def test_any_other_status_change_is_allowed_and_leaves_the_date_alone(client):
    _, headers = await register(client, "alice")
    created = await create_application(client, headers)
    for status in ("Rejected", "Saved", "Accepted", "Interviewing", "Withdrawn"):
        updated = await call(
            client, "PUT", f"/applications/{created['id']}", headers, json={"status": status}, expect=200
        )
        assert (updated["status"], updated["applied_date"]) == (status, None)


async def test_a_resume_of_ones_own_can_be_linked_and_unlinked(client):
    _, headers = await register(client, "alice")
    resume = await create_resume(client, headers)
    created = await create_application(client, headers)
    path = f"/applications/{created['id']}"
    linked = await call(client, "PUT", path, headers, json={"resume_version_id": resume["id"]}, expect=200)
    assert linked["resume_version_id"] == resume["id"]
    unlinked = await call(client, "PUT", path, headers, json={"resume_version_id": None}, expect=200)
    assert unlinked["resume_version_id"] is None


async def test_a_missing_or_foreign_resume_is_resume_version_not_found(client, db):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    bobs_resume = await create_resume(client, bob)
    for resume_id in (str(uuid.uuid4()), bobs_resume["id"]):
        body = await call(
            client,
            "POST",
            "/applications/",
            alice,
            json={"company_name": "A", "role_title": "B", "resume_version_id": resume_id},
            expect=404,
        )
        assert body == {"detail": "Resume version not found"}
    assert count(db, tables.applications) == 0
    created = await create_application(client, alice)
    body = await call(
        client,
        "PUT",
        f"/applications/{created['id']}",
        alice,
        json={"resume_version_id": bobs_resume["id"]},
        expect=404,
    )
    assert body == {"detail": "Resume version not found"}
    assert (await call(client, "GET", f"/applications/{created['id']}", alice)) == created


async def test_deleting_an_application_removes_its_children_and_activity(client, db):
    _user, headers = await register(client, "alice")
    keep = await create_application(client, headers, company_name="Keep")
    doomed = await create_application(client, headers, status="Applied")
    await add_stage(client, headers, doomed["id"])
    await add_stage(client, headers, doomed["id"], stage_name="Onsite")
    await create_outcome(client, headers, doomed["id"])
    await create_reflection(client, headers, doomed["id"], skill_gaps={"SQL": "basic"})
    doomed_id = uuid.UUID(doomed["id"])
    assert count(db, tables.activity_log, application_id=doomed_id) > 0

    body = await call(client, "DELETE", f"/applications/{doomed['id']}", headers, expect=200)

    assert body == {"detail": "Application deleted"}
    assert count(db, tables.applications, id=doomed_id) == 0
    for table in (tables.application_stages, tables.outcomes, tables.reflections, tables.activity_log):
        assert count(db, table, application_id=doomed_id) == 0, table.name
    assert count(db, tables.activity_log, application_id=uuid.UUID(keep["id"])) == 1
    assert await call(client, "GET", f"/applications/{doomed['id']}", headers, expect=404) == {
        "detail": "Application not found"
    }
    assert [a["id"] for a in await call(client, "GET", "/applications/", headers)] == [keep["id"]]


async def test_unknown_application_ids_are_404(client):
    _, headers = await register(client, "alice")
    missing = uuid.uuid4()
    for method, body in (("GET", None), ("PUT", {"notes": "x"}), ("DELETE", None)):
        answer = await call(client, method, f"/applications/{missing}", headers, json=body, expect=404)
        assert answer == {"detail": "Application not found"}


async def test_pagination_applies_after_the_filter(client):
    _, headers = await register(client, "alice")
    applied = []
    for index in range(4):
        await create_application(client, headers, company_name=f"saved{index}")
        applied.append((await create_application(client, headers, status="Applied"))["id"])
    page = await call(
        client,
        "GET",
        "/applications/",
        headers,
        params={"status": "Applied", "skip": 1, "limit": 2},
        expect=200,
    )
    assert [a["id"] for a in page] == list(reversed(applied))[1:3]


async def test_a_deleted_application_cannot_be_deleted_again(client):
    _, headers = await register(client, "alice")
    created = await create_application(client, headers)
    await call(client, "DELETE", f"/applications/{created['id']}", headers, expect=200)
    body = await call(client, "DELETE", f"/applications/{created['id']}", headers, expect=404)
    assert body == {"detail": "Application not found"}
