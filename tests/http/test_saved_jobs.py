"""``/saved-jobs``: bookmarked postings, their rules and their conversion to applications (§9)."""

from __future__ import annotations

import uuid

import pytest

from offertracker_core.milestones import milestone_id

from .httpkit import (
    DATETIME,
    UUID_STR,
    call,
    count,
    counted_get,
    create_application,
    held,
    register,
    rows,
    save_job,
    tables,
)

FULL = {
    "company_name": "Globex",
    "role_title": "Staff Engineer",
    "url": "https://jobs.example/globex/42",
    "company_website": "https://globex.example",
    "location": "Berlin",
    "job_type": "Contract",
    "work_mode": "Remote",
    "salary_range_min": 90000,
    "salary_range_max": 120000,
    "salary_currency": "EUR",
    "priority": "High",
    "source": "LinkedIn",
    "notes": "Ask about on-call",
    "deadline": "2026-04-30",
    "excitement_level": 4,
}

ALREADY_CONVERTED = {"detail": "This saved job has already been converted to an application."}
CONVERT_BY_POST = {"detail": "Use POST /saved-jobs/{id}/convert to convert a saved job to an application."}


def saved_job_response(user_id: str, **fields) -> dict:
    """A SavedJobResponse with the reference's defaults, overridden by ``fields``."""
    return {
        "id": UUID_STR,
        "user_id": user_id,
        "company_name": "Acme",
        "role_title": None,
        "url": None,
        "company_website": None,
        "location": None,
        "job_type": None,
        "work_mode": None,
        "salary_range_min": None,
        "salary_range_max": None,
        "salary_currency": "USD",
        "priority": "Medium",
        "source": None,
        "notes": None,
        "deadline": None,
        "excitement_level": None,
        "status": "Active",
        "converted_to_application_id": None,
        "created_at": DATETIME,
        "updated_at": DATETIME,
    } | fields


async def convert(client, headers, saved_job_id: str, *, expect: int = 201) -> dict:
    return await call(client, "POST", f"/saved-jobs/{saved_job_id}/convert", headers, expect=expect)


def log_of(db, user_id: str) -> list[tuple]:
    entries = rows(
        db, tables.activity_log, user_id=uuid.UUID(user_id), order_by=[tables.activity_log.c.created_at]
    )
    return [(e["action"], e["description"], e["metadata"], str(e["application_id"])) for e in entries]


def counted_applications(db, user_id: str) -> int:
    """The kept ``applications`` counter of the milestone totals (0 before anything was counted)."""
    found = rows(db, tables.user_progress, user_id=uuid.UUID(user_id))
    return found[0]["applications"] if found else 0


# --- create and read -------------------------------------------------------------------


async def test_a_minimal_saved_job_gets_the_reference_defaults(client, db):
    user, headers = await register(client, "alice")
    created = await save_job(client, headers)
    assert created == saved_job_response(user["id"])
    assert created["created_at"] == created["updated_at"]
    [row] = rows(db, tables.saved_jobs)
    assert (str(row["id"]), row["status"], row["priority"], row["salary_currency"]) == (
        created["id"],
        "Active",
        "Medium",
        "USD",
    )


async def test_every_field_given_is_stored_and_read_back(client):
    user, headers = await register(client, "alice")
    created = await save_job(client, headers, **FULL)
    assert created == saved_job_response(user["id"], **FULL)
    assert await call(client, "GET", f"/saved-jobs/{created['id']}", headers, expect=200) == created


async def test_status_and_conversion_are_not_set_on_create(client):
    user, headers = await register(client, "alice")
    created = await save_job(
        client, headers, status="Converted", converted_to_application_id=str(uuid.uuid4())
    )
    assert created == saved_job_response(user["id"])


async def test_company_name_is_required_and_unknown_enums_are_422(client, db):
    _, headers = await register(client, "alice")
    body = await call(client, "POST", "/saved-jobs/", headers, json={"role_title": "x"}, expect=422)
    assert body == {
        "detail": [
            {
                "type": "missing",
                "loc": ["body", "company_name"],
                "msg": "Field required",
                "input": {"role_title": "x"},
            }
        ]
    }
    body = await call(
        client, "POST", "/saved-jobs/", headers, json={"company_name": "A", "priority": None}, expect=422
    )
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [(["body", "priority"], "enum")]
    body = await call(
        client, "POST", "/saved-jobs/", headers, json={"company_name": "A", "work_mode": "Mars"}, expect=422
    )
    assert body["detail"][0]["msg"] == "Input should be 'Remote', 'Hybrid' or 'On-site'"
    assert count(db, tables.saved_jobs) == 0


@pytest.mark.parametrize(
    ("level", "type_", "msg"),
    [
        (0, "greater_than_equal", "Input should be greater than or equal to 1"),
        (6, "less_than_equal", "Input should be less than or equal to 5"),
        (2.5, "int_from_float", "Input should be a valid integer, got a number with a fractional part"),
    ],
)
async def test_excitement_outside_one_to_five_is_a_422_on_create_and_update(client, db, level, type_, msg):
    _, headers = await register(client, "alice")
    body = await call(
        client,
        "POST",
        "/saved-jobs/",
        headers,
        json={"company_name": "A", "excitement_level": level},
        expect=422,
    )
    assert [(e["loc"], e["type"], e["msg"]) for e in body["detail"]] == [
        (["body", "excitement_level"], type_, msg)
    ]
    assert count(db, tables.saved_jobs) == 0
    created = await save_job(client, headers, excitement_level=3)
    path = f"/saved-jobs/{created['id']}"
    body = await call(client, "PUT", path, headers, json={"excitement_level": level}, expect=422)
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [(["body", "excitement_level"], type_)]
    assert await call(client, "GET", path, headers) == created


async def test_excitement_of_one_and_five_are_kept(client):
    _, headers = await register(client, "alice")
    assert (await save_job(client, headers, excitement_level=1))["excitement_level"] == 1
    assert (await save_job(client, headers, excitement_level=5))["excitement_level"] == 5


async def test_the_slashless_paths_work_like_the_canonical_ones(client):
    _, headers = await register(client, "alice")
    created = await call(client, "POST", "/saved-jobs", headers, json={"company_name": "A"}, expect=201)
    assert await call(client, "GET", "/saved-jobs", headers, expect=200) == [created]
    assert await call(client, "GET", "/saved-jobs/", headers, expect=200) == [created]


# --- list ------------------------------------------------------------------------------


async def test_the_list_is_newest_first_and_only_the_callers(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    created = [await save_job(client, alice, company_name=f"C{i}") for i in range(3)]
    await save_job(client, bob)
    assert await call(client, "GET", "/saved-jobs/", alice, expect=200) == list(reversed(created))
    assert [s["company_name"] for s in await call(client, "GET", "/saved-jobs/", bob)] == ["Acme"]


async def test_the_list_filters_by_status_and_priority(client):
    _, headers = await register(client, "alice")
    active_high = await save_job(client, headers, priority="High")
    archived_high = await save_job(client, headers, priority="High")
    active_low = await save_job(client, headers, priority="Low")
    converted = await save_job(client, headers)
    await call(
        client, "PUT", f"/saved-jobs/{archived_high['id']}", headers, json={"status": "Archived"}, expect=200
    )
    await convert(client, headers, converted["id"])

    async def ids(**params):
        return [
            s["id"] for s in await call(client, "GET", "/saved-jobs/", headers, params=params, expect=200)
        ]

    assert await ids(status="Active") == [active_low["id"], active_high["id"]]
    assert await ids(status="Archived") == [archived_high["id"]]
    assert await ids(status="Converted") == [converted["id"]]
    assert await ids(priority="High") == [archived_high["id"], active_high["id"]]
    assert await ids(priority="Medium") == [converted["id"]]
    assert await ids(status="Active", priority="High") == [active_high["id"]]
    assert await ids(status="Archived", priority="Low") == []


@pytest.mark.parametrize(
    ("params", "loc", "msg"),
    [
        ({"status": "Saved"}, ["query", "status"], "Input should be 'Active', 'Archived' or 'Converted'"),
        ({"priority": "high"}, ["query", "priority"], "Input should be 'High', 'Medium' or 'Low'"),
        ({"limit": "0"}, ["query", "limit"], "Input should be greater than or equal to 1"),
        ({"limit": "1001"}, ["query", "limit"], "Input should be less than or equal to 1000"),
        ({"skip": "-1"}, ["query", "skip"], "Input should be greater than or equal to 0"),
    ],
)
async def test_bad_list_parameters_are_a_422_on_the_query(client, params, loc, msg):
    _, headers = await register(client, "alice")
    await save_job(client, headers)
    body = await call(client, "GET", "/saved-jobs/", headers, params=params, expect=422)
    assert [(e["loc"], e["msg"]) for e in body["detail"]] == [(loc, msg)]


async def test_the_list_pages_with_skip_and_limit_after_the_filter(client):
    _, headers = await register(client, "alice")
    high = []
    for index in range(4):
        await save_job(client, headers, company_name=f"low{index}", priority="Low")
        high.append((await save_job(client, headers, priority="High"))["id"])
    page = await call(
        client, "GET", "/saved-jobs/", headers, params={"priority": "High", "skip": 1, "limit": 2}, expect=200
    )
    assert [s["id"] for s in page] == list(reversed(high))[1:3]
    everything = await call(client, "GET", "/saved-jobs/", headers, params={"limit": 1000}, expect=200)
    assert len(everything) == 8


async def test_a_page_of_five_and_a_page_of_fifty_run_the_same_number_of_statements(client):
    _, headers = await register(client, "alice")
    for index in range(60):
        await save_job(client, headers, company_name=f"C{index}", notes="n" * index)

    small_count, small = await counted_get(client, "/saved-jobs/", headers, {"limit": 5})
    large_count, large = await counted_get(client, "/saved-jobs/", headers, {"limit": 50})
    assert (len(small), len(large)) == (5, 50)
    assert small_count == large_count == 1


# --- update ----------------------------------------------------------------------------


async def test_an_update_changes_only_the_fields_sent_and_null_clears(client, db):
    _, headers = await register(client, "alice")
    created = await save_job(client, headers, **FULL)
    path = f"/saved-jobs/{created['id']}"
    body = {"notes": "New notes", "url": None, "excitement_level": None, "deadline": None, "priority": "Low"}
    updated = await call(client, "PUT", path, headers, json=body, expect=200)
    assert updated == created | body | {"updated_at": updated["updated_at"]}
    assert updated["updated_at"] != created["updated_at"]
    assert await call(client, "GET", path, headers) == updated
    [row] = rows(db, tables.saved_jobs)
    assert (row["url"], row["excitement_level"], row["deadline"], row["notes"]) == (
        None,
        None,
        None,
        "New notes",
    )


async def test_null_on_a_required_field_is_a_422_and_changes_nothing(client):
    _, headers = await register(client, "alice")
    created = await save_job(client, headers)
    path = f"/saved-jobs/{created['id']}"
    for field, type_ in (
        ("company_name", "string_type"),
        ("salary_currency", "string_type"),
        ("priority", "enum"),
        ("status", "enum"),
    ):
        body = await call(client, "PUT", path, headers, json={field: None, "notes": "no"}, expect=422)
        assert [(e["loc"], e["type"]) for e in body["detail"]] == [(["body", field], type_)]
    assert await call(client, "GET", path, headers) == created


async def test_a_saved_job_is_archived_and_made_active_again(client):
    _, headers = await register(client, "alice")
    created = await save_job(client, headers)
    path = f"/saved-jobs/{created['id']}"
    archived = await call(client, "PUT", path, headers, json={"status": "Archived"}, expect=200)
    assert archived == created | {"status": "Archived", "updated_at": archived["updated_at"]}
    active = await call(client, "PUT", path, headers, json={"status": "Active"}, expect=200)
    assert active == created | {"updated_at": active["updated_at"]}


async def test_setting_converted_by_hand_is_a_400_and_changes_nothing(client, db):
    _, headers = await register(client, "alice")
    created = await save_job(client, headers)
    path = f"/saved-jobs/{created['id']}"
    body = await call(client, "PUT", path, headers, json={"status": "Converted", "notes": "x"}, expect=400)
    assert body == CONVERT_BY_POST
    assert await call(client, "GET", path, headers) == created
    assert count(db, tables.applications) == 0


async def test_an_unknown_status_is_a_422_naming_the_three(client):
    _, headers = await register(client, "alice")
    created = await save_job(client, headers)
    body = await call(
        client, "PUT", f"/saved-jobs/{created['id']}", headers, json={"status": "Gone"}, expect=422
    )
    assert body == {
        "detail": [
            {
                "type": "enum",
                "loc": ["body", "status"],
                "msg": "Input should be 'Active', 'Archived' or 'Converted'",
                "input": "Gone",
                "ctx": {"expected": "'Active', 'Archived' or 'Converted'"},
            }
        ]
    }


# --- delete ----------------------------------------------------------------------------


async def test_deleting_a_saved_job_answers_the_reference_message(client, db):
    _, headers = await register(client, "alice")
    keep = await save_job(client, headers, company_name="Keep")
    doomed = await save_job(client, headers)
    body = await call(client, "DELETE", f"/saved-jobs/{doomed['id']}", headers, expect=200)
    assert body == {"detail": "Saved job deleted"}
    assert [str(r["id"]) for r in rows(db, tables.saved_jobs)] == [keep["id"]]
    assert await call(client, "GET", f"/saved-jobs/{doomed['id']}", headers, expect=404) == {
        "detail": "Saved job not found"
    }
    assert await call(client, "DELETE", f"/saved-jobs/{doomed['id']}", headers, expect=404) == {
        "detail": "Saved job not found"
    }


async def test_deleting_a_converted_saved_job_keeps_its_application(client, db):
    _, headers = await register(client, "alice")
    saved = await save_job(client, headers)
    application = await convert(client, headers, saved["id"])
    await call(client, "DELETE", f"/saved-jobs/{saved['id']}", headers, expect=200)
    assert count(db, tables.saved_jobs) == 0
    assert await call(client, "GET", f"/applications/{application['id']}", headers, expect=200) == application


async def test_deleting_the_application_keeps_the_saved_job_unlinked(client, db):
    _, headers = await register(client, "alice")
    saved = await save_job(client, headers)
    application = await convert(client, headers, saved["id"])
    before = await call(client, "GET", f"/saved-jobs/{saved['id']}", headers, expect=200)
    assert before["converted_to_application_id"] == application["id"]

    await call(client, "DELETE", f"/applications/{application['id']}", headers, expect=200)

    after = await call(client, "GET", f"/saved-jobs/{saved['id']}", headers, expect=200)
    assert after == before | {"converted_to_application_id": None}
    [row] = rows(db, tables.saved_jobs)
    assert (row["status"], row["converted_to_application_id"]) == ("Converted", None)
    # Still Converted: it is not converted a second time.
    assert await convert(client, headers, saved["id"], expect=400) == ALREADY_CONVERTED
    assert count(db, tables.applications) == 0


# --- convert ---------------------------------------------------------------------------


async def test_converting_copies_every_field_into_a_saved_application(client, db, clock):
    user, headers = await register(client, "alice")
    saved = await save_job(client, headers, **FULL)

    application = await convert(client, headers, saved["id"])

    assert application == {
        "id": UUID_STR,
        "user_id": user["id"],
        "company_name": "Globex",
        "role_title": "Staff Engineer",
        "url": "https://jobs.example/globex/42",
        "description": None,
        "location": "Berlin",
        "job_type": "Contract",
        "work_mode": "Remote",
        "salary_min": 90000,
        "salary_max": 120000,
        "salary_currency": "EUR",
        "applied_source": "LinkedIn",
        "applied_date": None,
        "follow_up_date": None,
        "priority": "High",
        "notes": "Ask about on-call",
        "status": "Saved",
        "resume_version_id": None,
        "created_at": DATETIME,
        "updated_at": DATETIME,
        "stages": [],
        "outcome": None,
        "reflection": None,
    }
    assert application["created_at"] == application["updated_at"]
    assert await call(client, "GET", f"/applications/{application['id']}", headers, expect=200) == application
    [row] = rows(db, tables.applications)
    assert str(row["id"]) == application["id"]


async def test_converting_marks_the_saved_job_converted_and_linked(client):
    _, headers = await register(client, "alice")
    saved = await save_job(client, headers, **FULL)
    application = await convert(client, headers, saved["id"])
    after = await call(client, "GET", f"/saved-jobs/{saved['id']}", headers, expect=200)
    assert after == saved | {
        "status": "Converted",
        "converted_to_application_id": application["id"],
        "updated_at": application["created_at"],
    }
    assert after["updated_at"] != saved["updated_at"]


async def test_a_minimal_saved_job_converts_with_the_fallback_role_and_defaults(client):
    user, headers = await register(client, "alice")
    saved = await save_job(client, headers)
    application = await convert(client, headers, saved["id"])
    assert {k: v for k, v in application.items() if k not in ("id", "created_at", "updated_at")} == {
        "user_id": user["id"],
        "company_name": "Acme",
        "role_title": "Untitled role",
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
        "priority": "Medium",
        "notes": None,
        "status": "Saved",
        "resume_version_id": None,
        "stages": [],
        "outcome": None,
        "reflection": None,
    }


async def test_an_empty_role_title_falls_back_too(client):
    _, headers = await register(client, "alice")
    saved = await save_job(client, headers, role_title="")
    assert (await convert(client, headers, saved["id"]))["role_title"] == "Untitled role"


@pytest.mark.parametrize(
    ("source", "applied_source"),
    [
        ("Company Website", "Company Website"),
        ("Career Fair", "Career Fair"),
        ("Other", "Other"),
        ("linkedin", None),  # enum values are case-sensitive
        ("a friend at the gym", None),
        ("", None),
        (None, None),
    ],
)
async def test_the_source_becomes_applied_source_only_when_it_is_a_source_value(
    client, source, applied_source
):
    _, headers = await register(client, "alice")
    saved = await save_job(client, headers, source=source)
    application = await convert(client, headers, saved["id"])
    assert application["applied_source"] == applied_source
    stored = await call(client, "GET", f"/saved-jobs/{saved['id']}", headers)
    assert stored["source"] == source  # the saved job keeps its own text


async def test_an_archived_saved_job_can_be_converted(client):
    _, headers = await register(client, "alice")
    saved = await save_job(client, headers)
    await call(client, "PUT", f"/saved-jobs/{saved['id']}", headers, json={"status": "Archived"}, expect=200)
    application = await convert(client, headers, saved["id"])
    after = await call(client, "GET", f"/saved-jobs/{saved['id']}", headers)
    assert (after["status"], after["converted_to_application_id"]) == ("Converted", application["id"])


async def test_converting_twice_is_a_400_and_makes_one_application(client, db):
    user, headers = await register(client, "alice")
    saved = await save_job(client, headers)
    await convert(client, headers, saved["id"])
    converted = await call(client, "GET", f"/saved-jobs/{saved['id']}", headers)
    entries = log_of(db, user["id"])

    assert await convert(client, headers, saved["id"], expect=400) == ALREADY_CONVERTED

    assert count(db, tables.applications) == 1
    assert await call(client, "GET", f"/saved-jobs/{saved['id']}", headers) == converted
    assert log_of(db, user["id"]) == entries
    assert counted_applications(db, user["id"]) == 1


async def test_a_converted_job_set_back_to_active_by_hand_still_cannot_convert_again(client, db):
    _, headers = await register(client, "alice")
    saved = await save_job(client, headers)
    application = await convert(client, headers, saved["id"])
    path = f"/saved-jobs/{saved['id']}"
    reopened = await call(client, "PUT", path, headers, json={"status": "Active"}, expect=200)
    assert (reopened["status"], reopened["converted_to_application_id"]) == ("Active", application["id"])

    assert await convert(client, headers, saved["id"], expect=400) == ALREADY_CONVERTED

    assert count(db, tables.applications) == 1


async def test_converting_logs_application_created_with_the_saved_job_in_the_metadata(client, db):
    user, headers = await register(client, "alice")
    saved = await save_job(client, headers, company_name="Initech", role_title="Data Engineer")
    assert log_of(db, user["id"]) == []  # saving a job is not in the activity log
    application = await convert(client, headers, saved["id"])
    assert log_of(db, user["id"]) == [
        (
            "Application Created",
            "Converted saved job to application: Initech — Data Engineer",
            {"source": "saved_job", "saved_job_id": saved["id"]},
            application["id"],
        )
    ]
    untitled = await save_job(client, headers, company_name="Hooli")
    second = await convert(client, headers, untitled["id"])
    assert log_of(db, user["id"])[-1] == (
        "Application Created",
        "Converted saved job to application: Hooli — Untitled role",
        {"source": "saved_job", "saved_job_id": untitled["id"]},
        second["id"],
    )


async def test_converting_counts_an_application_and_awards_first_application(client, db):
    user, headers = await register(client, "alice")
    saved = await save_job(client, headers)
    assert held(db, user["id"]) == {"Getting Started"}
    assert counted_applications(db, user["id"]) == 0

    await convert(client, headers, saved["id"])

    assert held(db, user["id"]) == {"Getting Started", "First Application"}
    [award] = [
        r
        for r in rows(db, tables.user_milestones, user_id=uuid.UUID(user["id"]))
        if r["milestone_id"] == milestone_id("First Application")
    ]
    assert award["reached_at"] is not None
    assert counted_applications(db, user["id"]) == 1
    await create_application(client, headers)
    assert counted_applications(db, user["id"]) == 2


async def test_nine_applications_and_one_conversion_award_building_momentum(client, db):
    user, headers = await register(client, "alice")
    for index in range(9):
        await create_application(client, headers, company_name=f"C{index}")
    saved = await save_job(client, headers)
    assert "Building Momentum" not in held(db, user["id"])
    await convert(client, headers, saved["id"])
    assert "Building Momentum" in held(db, user["id"])
    assert counted_applications(db, user["id"]) == 10


async def test_saving_and_converting_are_tracked_actions(aiohttp_client, make_app, db, clock):
    # Tokens that outlive the days the clock skips, so only the actions (not logins) move the streak.
    client = await aiohttp_client(make_app(token_ttl_seconds=30 * 86400))
    user, headers = await register(client, "alice")

    def streak() -> tuple:
        [row] = rows(db, tables.users, id=uuid.UUID(user["id"]))
        return row["streak_days"], row["last_active_date"]

    saved = await save_job(client, headers)
    assert streak() == (1, clock.today())
    clock.advance(days=1)
    await convert(client, headers, saved["id"])
    assert streak() == (2, clock.today())
    clock.advance(days=1)
    await call(client, "PUT", f"/saved-jobs/{saved['id']}", headers, json={"notes": "x"}, expect=200)
    assert streak()[0] == 2  # an edit is not a tracked action


# --- unknown, malformed and foreign ids ---------------------------------------------------

# (method, path template, body) of every endpoint that takes a saved job id
BY_ID = [
    ("GET", "/saved-jobs/{id}", None),
    ("PUT", "/saved-jobs/{id}", {"notes": "changed"}),
    ("DELETE", "/saved-jobs/{id}", None),
    ("POST", "/saved-jobs/{id}/convert", None),
]


@pytest.mark.parametrize(("method", "template", "body"), BY_ID)
async def test_an_unknown_saved_job_id_is_404(client, db, method, template, body):
    _, headers = await register(client, "alice")
    answer = await call(client, method, template.format(id=uuid.uuid4()), headers, json=body, expect=404)
    assert answer == {"detail": "Saved job not found"}
    assert (count(db, tables.saved_jobs), count(db, tables.applications)) == (0, 0)


@pytest.mark.parametrize(("method", "template", "body"), BY_ID)
async def test_a_saved_job_id_that_is_not_a_uuid_is_a_422_on_the_path(client, method, template, body):
    _, headers = await register(client, "alice")
    answer = await call(client, method, template.format(id="not-a-uuid"), headers, json=body, expect=422)
    assert [(e["loc"], e["type"]) for e in answer["detail"]] == [(["path", "saved_job_id"], "uuid_parsing")]


@pytest.mark.parametrize(("method", "template", "body"), BY_ID)
async def test_another_user_gets_403_and_changes_nothing(client, db, method, template, body):
    _, alice = await register(client, "alice")
    bob_user, bob = await register(client, "bob")
    saved = await save_job(client, alice, **FULL)
    path = template.format(id=saved["id"])

    def world() -> tuple:
        return tuple(
            sorted(map(repr, rows(db, table)))
            for table in (
                tables.saved_jobs,
                tables.applications,
                tables.activity_log,
                tables.user_progress,
                tables.user_milestones,
                tables.users,
            )
        )

    before = world()
    answer = await call(client, method, path, bob, json=body, expect=403)
    assert answer == {"detail": "Not your saved job"}
    assert world() == before
    assert await call(client, "GET", f"/saved-jobs/{saved['id']}", alice, expect=200) == saved
    assert await call(client, "GET", "/saved-jobs/", bob, expect=200) == []
    assert held(db, bob_user["id"]) == {"Getting Started"}


async def test_a_foreign_converted_saved_job_is_still_403_on_convert(client, db):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    saved = await save_job(client, alice)
    await convert(client, alice, saved["id"])
    answer = await convert(client, bob, saved["id"], expect=403)
    assert answer == {"detail": "Not your saved job"}
    assert count(db, tables.applications) == 1


# --- input bounds ------------------------------------------------------------------------

TEXT_BOUNDS = [
    ("company_name", 255),
    ("role_title", 255),
    ("location", 255),
    ("source", 255),
    ("url", 500),
    ("company_website", 500),
    ("notes", 20_000),
    ("salary_currency", 3),
]


@pytest.mark.parametrize(("field", "limit"), TEXT_BOUNDS)
async def test_each_text_field_holds_its_bound_and_not_one_more(client, db, field, limit):
    _, headers = await register(client, "alice")
    too_long = "x" * (limit + 1)
    body = {"company_name": "Acme", field: too_long}
    answer = await call(client, "POST", "/saved-jobs/", headers, json=body, expect=422)
    assert answer == {
        "detail": [
            {
                "type": "string_too_long",
                "loc": ["body", field],
                "msg": f"String should have at most {limit} characters",
                "input": too_long,
                "ctx": {"max_length": limit},
            }
        ]
    }
    assert count(db, tables.saved_jobs) == 0
    created = await save_job(client, headers, **{field: too_long[1:]})
    assert created[field] == too_long[1:]
    path = f"/saved-jobs/{created['id']}"
    answer = await call(client, "PUT", path, headers, json={field: too_long}, expect=422)
    assert [(e["loc"], e["type"]) for e in answer["detail"]] == [(["body", field], "string_too_long")]
    assert await call(client, "GET", path, headers) == created


@pytest.mark.parametrize("field", ["salary_range_min", "salary_range_max"])
async def test_salaries_run_from_zero_to_the_largest_bigint(client, db, field):
    _, headers = await register(client, "alice")
    for value, type_ in ((-1, "greater_than_equal"), (2**63, "less_than_equal")):
        answer = await call(
            client, "POST", "/saved-jobs/", headers, json={"company_name": "A", field: value}, expect=422
        )
        assert [(e["loc"], e["type"]) for e in answer["detail"]] == [(["body", field], type_)]
    assert count(db, tables.saved_jobs) == 0
    largest = await save_job(client, headers, **{field: 2**63 - 1})
    assert largest[field] == 2**63 - 1
    zero = await save_job(client, headers, **{field: 0})
    assert zero[field] == 0
    # A converted salary keeps its value in the application.
    application = await convert(client, headers, largest["id"])
    assert application[field.replace("_range", "")] == 2**63 - 1
