"""422s in FastAPI's shape (behaviour.md §1): what is wrong, where, and that nothing was written."""

from __future__ import annotations

import pytest

from .httpkit import API, BAD_PAGING, call, count, create_application, register, tables


def summary(body: dict) -> list[tuple]:
    return [(tuple(e["loc"]), e["type"], e["msg"]) for e in body["detail"]]


async def test_a_missing_required_field_is_field_required(client, db):
    _, headers = await register(client, "alice")
    body = await call(client, "POST", "/applications/", headers, json={"company_name": "Acme"}, expect=422)
    assert body == {
        "detail": [
            {
                "type": "missing",
                "loc": ["body", "role_title"],
                "msg": "Field required",
                "input": {"company_name": "Acme"},
            }
        ]
    }
    assert count(db, tables.applications) == 0


async def test_a_number_is_not_a_string(client):
    _, headers = await register(client, "alice")
    body = await call(
        client, "POST", "/applications/", headers, json={"company_name": 5, "role_title": "x"}, expect=422
    )
    assert body == {
        "detail": [
            {"type": "string_type", "loc": ["body", "company_name"], "msg": "Input should be a valid string",
             "input": 5}
        ]
    }  # fmt: skip


async def test_a_fraction_is_not_an_integer(client):
    _, headers = await register(client, "alice")
    body = await call(
        client,
        "POST",
        "/applications/",
        headers,
        json={"company_name": "A", "role_title": "B", "salary_min": 5.9},
        expect=422,
    )
    assert summary(body) == [
        (
            ("body", "salary_min"),
            "int_from_float",
            "Input should be a valid integer, got a number with a fractional part",
        )
    ]


@pytest.mark.parametrize("value", ["5", True])
async def test_strings_and_booleans_are_not_integers(client, value):
    _, headers = await register(client, "alice")
    body = await call(
        client,
        "POST",
        "/applications/",
        headers,
        json={"company_name": "A", "role_title": "B", "salary_min": value},
        expect=422,
    )
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [(["body", "salary_min"], "int_type")]


async def test_a_negative_salary_is_rejected(client):
    _, headers = await register(client, "alice")
    body = await call(
        client,
        "POST",
        "/applications/",
        headers,
        json={"company_name": "A", "role_title": "B", "salary_max": -1},
        expect=422,
    )
    assert summary(body) == [
        (("body", "salary_max"), "greater_than_equal", "Input should be greater than or equal to 0")
    ]


async def test_an_unknown_enum_value_lists_the_allowed_ones(client):
    _, headers = await register(client, "alice")
    body = await call(
        client,
        "POST",
        "/applications/",
        headers,
        json={"company_name": "A", "role_title": "B", "priority": "Urgent"},
        expect=422,
    )
    assert body == {
        "detail": [
            {
                "type": "enum",
                "loc": ["body", "priority"],
                "msg": "Input should be 'High', 'Medium' or 'Low'",
                "input": "Urgent",
                "ctx": {"expected": "'High', 'Medium' or 'Low'"},
            }
        ]
    }


async def test_enum_values_are_case_sensitive(client):
    _, headers = await register(client, "alice")
    body = await call(
        client,
        "POST",
        "/applications/",
        headers,
        json={"company_name": "A", "role_title": "B", "status": "applied"},
        expect=422,
    )
    assert summary(body) == [
        (
            ("body", "status"),
            "enum",
            "Input should be 'Saved', 'Applied', 'Interviewing', 'Offer', 'Accepted', 'Rejected'"
            " or 'Withdrawn'",
        )
    ]


async def test_a_too_long_string_names_the_limit(client):
    _, headers = await register(client, "alice")
    body = await call(
        client,
        "POST",
        "/applications/",
        headers,
        json={"company_name": "x" * 256, "role_title": "B"},
        expect=422,
    )
    assert body == {
        "detail": [
            {
                "type": "string_too_long",
                "loc": ["body", "company_name"],
                "msg": "String should have at most 255 characters",
                "input": "x" * 256,
                "ctx": {"max_length": 255},
            }
        ]
    }


async def test_exactly_the_limit_is_fine(client):
    _, headers = await register(client, "alice")
    created = await create_application(client, headers, company_name="x" * 255, salary_currency="EUR")
    assert created["company_name"] == "x" * 255


async def test_a_currency_longer_than_three_is_rejected(client):
    _, headers = await register(client, "alice")
    body = await call(
        client,
        "POST",
        "/applications/",
        headers,
        json={"company_name": "A", "role_title": "B", "salary_currency": "EURO"},
        expect=422,
    )
    assert summary(body) == [
        (("body", "salary_currency"), "string_too_long", "String should have at most 3 characters")
    ]


async def test_a_malformed_date_is_rejected(client):
    _, headers = await register(client, "alice")
    body = await call(
        client,
        "POST",
        "/applications/",
        headers,
        json={"company_name": "A", "role_title": "B", "applied_date": "03/02/2026"},
        expect=422,
    )
    [error] = body["detail"]
    assert error["loc"] == ["body", "applied_date"]
    assert error["type"].startswith("date")


async def test_malformed_json_is_json_invalid(client, db):
    _, headers = await register(client, "alice")
    resp = await client.post(
        f"{API}/applications/",
        data=b'{"company_name": "A", "role_title": ',
        headers=headers | {"Content-Type": "application/json"},
    )
    assert resp.status == 422
    [error] = (await resp.json())["detail"]
    assert error["type"] == "json_invalid"
    assert error["loc"][0] == "body"
    assert error["msg"] == "JSON decode error"
    assert count(db, tables.applications) == 0


async def test_an_empty_body_is_not_an_object(client):
    _, headers = await register(client, "alice")
    resp = await client.post(f"{API}/applications/", headers=headers)
    assert resp.status == 422
    assert all(e["loc"][0] == "body" for e in (await resp.json())["detail"])


async def test_a_json_array_is_not_an_object(client):
    _, headers = await register(client, "alice")
    body = await call(client, "POST", "/applications/", headers, json=[1, 2], expect=422)
    [error] = body["detail"]
    assert error["loc"] == ["body"]
    assert error["type"] == "model_attributes_type"


async def test_unknown_keys_are_ignored(client):
    _, headers = await register(client, "alice")
    created = await create_application(client, headers, favourite_colour="green", id="not-yours")
    assert "favourite_colour" not in created
    assert created["id"] != "not-yours"


async def test_every_invalid_field_is_reported_and_nothing_is_written(client, db):
    _, headers = await register(client, "alice")
    body = await call(
        client,
        "POST",
        "/applications/",
        headers,
        json={"role_title": 7, "priority": "Urgent", "salary_min": 1.5, "url": "u" * 501},
        expect=422,
    )
    assert sorted((tuple(e["loc"]), e["type"]) for e in body["detail"]) == [
        (("body", "company_name"), "missing"),
        (("body", "priority"), "enum"),
        (("body", "role_title"), "string_type"),
        (("body", "salary_min"), "int_from_float"),
        (("body", "url"), "string_too_long"),
    ]
    assert count(db, tables.applications) == 0
    assert count(db, tables.activity_log) == 0


async def test_nested_list_items_are_located_by_index(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    body = await call(
        client,
        "POST",
        f"/applications/{application['id']}/stages",
        headers,
        json={"stage_name": "x", "questions_asked": ["ok", 3]},
        expect=422,
    )
    assert summary(body) == [
        (("body", "questions_asked", 1), "string_type", "Input should be a valid string")
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/applications/not-a-uuid",
        "/resumes/12345",
        "/users/xyz",
    ],
)
async def test_a_non_uuid_path_id_is_a_422_on_the_path(client, path):
    _, headers = await register(client, "alice")
    body = await call(client, "GET", path, headers, expect=422)
    [error] = body["detail"]
    assert error["loc"][0] == "path"
    assert error["loc"][1] in {"application_id", "resume_id", "user_id"}
    assert error["type"] == "uuid_parsing"


async def test_a_non_uuid_child_id_is_a_422_on_the_path(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    for child in ("stages", "outcome", "reflection"):
        body = await call(
            client, "PUT", f"/applications/{application['id']}/{child}/nope", headers, json={}, expect=422
        )
        assert [e["loc"][0] for e in body["detail"]] == ["path"]


@pytest.mark.parametrize(
    ("params", "loc", "type_"),
    [
        *BAD_PAGING,
        ({"limit": "ten"}, ["query", "limit"], "int_parsing"),
        ({"status": "Ghosted"}, ["query", "status"], "enum"),
        ({"priority": "high"}, ["query", "priority"], "enum"),
    ],
)
async def test_bad_list_parameters_are_a_422_on_the_query(client, params, loc, type_):
    _, headers = await register(client, "alice")
    body = await call(client, "GET", "/applications/", headers, params=params, expect=422)
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [(loc, type_)]


async def test_limit_bounds_hold_on_every_paginated_list(client):
    _, headers = await register(client, "alice")
    for path in ("/resumes/", "/users/search?q=a&"):
        sep = "" if path.endswith("&") else "?"
        for bad in ("limit=0", "limit=1001", "skip=-1"):
            await call(client, "GET", f"{path}{sep}{bad}", headers, expect=422)
    await call(client, "GET", "/applications/?limit=1000", headers, expect=200)
    await call(client, "GET", "/applications/?limit=1", headers, expect=200)


async def test_limit_messages_name_the_bound(client):
    _, headers = await register(client, "alice")
    body = await call(client, "GET", "/applications/", headers, params={"limit": "1001"}, expect=422)
    assert body["detail"][0]["msg"] == "Input should be less than or equal to 1000"
    body = await call(client, "GET", "/applications/", headers, params={"limit": "0"}, expect=422)
    assert body["detail"][0]["msg"] == "Input should be greater than or equal to 1"


async def test_a_rejected_update_changes_nothing(client):
    _, headers = await register(client, "alice")
    created = await create_application(client, headers, notes="before")
    await call(
        client,
        "PUT",
        f"/applications/{created['id']}",
        headers,
        json={"notes": "after", "salary_min": "lots"},
        expect=422,
    )
    assert await call(client, "GET", f"/applications/{created['id']}", headers) == created
