"""Hostile input is bad input: a 422 in FastAPI's shape and nothing written, never a 500 (behaviour.md §1).

Each case here once reached the database or a parser limit and came back as
a 500: an OFFSET past BIGINT, integers with more digits than Python converts,
nesting deeper than the parsers (or the renderer) go, and U+0000, which
PostgreSQL text and JSONB cannot hold. The other C0 control characters (but
tab, line feed and carriage return) are refused with it. Every test runs on
both databases.
"""

from __future__ import annotations

from typing import Any

import pytest

from .httpkit import API, call, count, create_application, rows, tables

CONTROL_MSG = "Value error, control characters other than tab, line feed and carriage return are not allowed"
INT_PARSING = "Input should be a valid integer, unable to parse string as an integer"
MAX_BIGINT = 2**63 - 1


def control_error(loc: list[Any], value: str) -> dict[str, Any]:
    return {"type": "value_error", "loc": loc, "msg": CONTROL_MSG, "input": value}


def nested_list(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels - 1):
        value = [value]
    return value


async def post_raw(client, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
    headers = {**headers, "Content-Type": "application/json"}
    resp = await client.post(API + path, data=raw, headers=headers)
    return resp.status, await resp.json()


# --- pagination past what the database can take -------------------------------------------------


@pytest.mark.parametrize("path", ["/resumes/", "/applications/", "/users/search?q=al&"])
@pytest.mark.parametrize("skip", ["9223372036854775808", "99999999999999999999"])
async def test_a_skip_beyond_the_largest_bigint_is_above_the_maximum(client, alice, path, skip):
    _, headers = alice
    url = f"{path}{'' if path.endswith('&') else '?'}skip={skip}"
    body = await call(client, "GET", url, headers, expect=422)
    assert body == {
        "detail": [
            {
                "type": "less_than_equal",
                "loc": ["query", "skip"],
                "msg": "Input should be less than or equal to 9223372036854775807",
                "input": skip,
                "ctx": {"le": MAX_BIGINT},
            }
        ]
    }


@pytest.mark.parametrize("path", ["/resumes/", "/applications/"])
async def test_the_largest_bigint_skip_is_an_empty_page(client, alice, path):
    _, headers = alice
    await create_application(client, headers)
    assert await call(client, "GET", f"{path}?skip={MAX_BIGINT}", headers, expect=200) == []


async def test_a_skip_with_more_digits_than_python_converts_cannot_be_parsed(client, alice):
    _, headers = alice
    digits = "9" * 5000
    body = await call(client, "GET", f"/applications/?skip={digits}", headers, expect=422)
    assert body == {
        "detail": [{"type": "int_parsing", "loc": ["query", "skip"], "msg": INT_PARSING, "input": digits}]
    }


# --- bodies the JSON parsers refuse in unusual ways ------------------------------------------------


async def test_a_body_integer_with_more_digits_than_python_converts_is_invalid_json(client, alice, db):
    _, headers = alice
    raw = b'{"company_name": "Acme", "role_title": "Eng", "salary_min": ' + b"9" * 5000 + b"}"
    status, body = await post_raw(client, "/applications/", headers, raw)
    assert (status, body) == (
        422,
        {
            "detail": [
                {
                    "type": "json_invalid",
                    "loc": ["body", 60],
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": "number is infinity when parsed as double"},
                }
            ]
        },
    )
    assert count(db, tables.applications) == 0


async def test_a_body_nested_past_every_parser_limit_is_invalid_json(client, alice, db):
    _, headers = alice
    raw = b'{"company_name": "Acme", "role_title": "Eng", "notes": ' + b"[" * 100_000
    status, body = await post_raw(client, "/applications/", headers, raw)
    assert (status, body) == (
        422,
        {
            "detail": [
                {
                    "type": "json_invalid",
                    "loc": ["body", 1079],
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": "depth limit exceeded"},
                }
            ]
        },
    )
    assert count(db, tables.applications) == 0


# --- control characters: U+0000, which PostgreSQL cannot store, and the other C0 controls ---------


async def test_a_nul_character_in_a_new_application_is_rejected(client, alice, db):
    _, headers = alice
    fields = {"company_name": "a\x00b", "role_title": "Eng"}
    body = await call(client, "POST", "/applications/", headers, json=fields, expect=422)
    assert body == {"detail": [control_error(["body", "company_name"], "a\x00b")]}
    assert await call(client, "GET", "/applications/", headers, expect=200) == []
    assert count(db, tables.applications) == 0


async def test_a_nul_character_in_an_application_change_leaves_it_unchanged(client, alice, db):
    _, headers = alice
    application = await create_application(client, headers, notes="before")
    path = f"/applications/{application['id']}"
    body = await call(client, "PUT", path, headers, json={"notes": "after\x00"}, expect=422)
    assert body == {"detail": [control_error(["body", "notes"], "after\x00")]}
    assert [row["notes"] for row in rows(db, tables.applications)] == ["before"]


async def test_a_nul_character_in_a_bio_leaves_the_profile_unchanged(client, alice, db):
    user, headers = alice
    body = await call(client, "PUT", "/users/me", headers, json={"bio": "hi\x00"}, expect=422)
    assert body == {"detail": [control_error(["body", "bio"], "hi\x00")]}
    assert [row["bio"] for row in rows(db, tables.users, username=user["username"])] == [None]


async def test_a_nul_character_in_resume_notes_creates_no_resume(client, alice, db):
    _, headers = alice
    fields = {"version_name": "v1", "notes": "\x00"}
    body = await call(client, "POST", "/resumes/", headers, json=fields, expect=422)
    assert body == {"detail": [control_error(["body", "notes"], "\x00")]}
    assert count(db, tables.resume_versions) == 0


async def test_a_nul_character_in_a_stage_question_names_its_index(client, alice, db):
    _, headers = alice
    application = await create_application(client, headers)
    fields = {"stage_name": "Onsite", "questions_asked": ["Why us?", "\x00"]}
    path = f"/applications/{application['id']}/stages"
    body = await call(client, "POST", path, headers, json=fields, expect=422)
    assert body == {"detail": [control_error(["body", "questions_asked", 1], "\x00")]}
    assert count(db, tables.application_stages) == 0


@pytest.mark.parametrize(
    ("skill_gaps", "loc", "value"),
    [
        ({"Go": "a\x00b"}, ["Go"], "a\x00b"),
        ({"Go\x00": "fine"}, ["Go\x00", "[key]"], "Go\x00"),
        ({"Rust": [1, {"level": ["x", "\x00"]}]}, ["Rust", 1, "level", 1], "\x00"),
        ({"Rust": {"deep": {"k\x00": None}}}, ["Rust", "deep", "k\x00", "[key]"], "k\x00"),
    ],
)
async def test_a_nul_character_anywhere_in_skill_gaps_creates_no_reflection(
    client, alice, db, skill_gaps, loc, value
):
    _, headers = alice
    application = await create_application(client, headers)
    path = f"/applications/{application['id']}/reflection"
    body = await call(client, "POST", path, headers, json={"skill_gaps": skill_gaps}, expect=422)
    assert body == {"detail": [control_error(["body", "skill_gaps", *loc], value)]}
    assert count(db, tables.reflections) == 0


# U+0001, ESC (the start of a terminal escape sequence), form feed and U+001F, the last C0 control.
OTHER_CONTROLS = pytest.mark.parametrize(
    "control", ["\x01", "\x1b", "\x0c", "\x1f"], ids=lambda c: f"U+{ord(c):04X}"
)
# Tab, line feed and carriage return belong in text, alone and as a Windows line break.
WHITESPACE = "\tindented\nnext line\r\nwindows line\rold mac line\t"


@OTHER_CONTROLS
async def test_any_c0_control_character_in_a_new_application_is_rejected(client, alice, db, control):
    _, headers = alice
    fields = {"company_name": f"Acme{control}Corp", "role_title": "Eng"}
    body = await call(client, "POST", "/applications/", headers, json=fields, expect=422)
    assert body == {"detail": [control_error(["body", "company_name"], f"Acme{control}Corp")]}
    assert await call(client, "GET", "/applications/", headers, expect=200) == []
    assert count(db, tables.applications) == 0


@OTHER_CONTROLS
async def test_any_c0_control_character_in_an_application_change_leaves_it_unchanged(
    client, alice, db, control
):
    _, headers = alice
    application = await create_application(client, headers, notes="before")
    path = f"/applications/{application['id']}"
    body = await call(client, "PUT", path, headers, json={"notes": f"after{control}"}, expect=422)
    assert body == {"detail": [control_error(["body", "notes"], f"after{control}")]}
    assert (await call(client, "GET", path, headers, expect=200))["notes"] == "before"
    assert [row["notes"] for row in rows(db, tables.applications)] == ["before"]


async def test_an_escape_sequence_in_a_search_is_rejected(client, alice):
    _, headers = alice
    body = await call(client, "GET", "/users/search?q=al%1B%5B2Jice", headers, expect=422)
    assert body == {"detail": [control_error(["query", "q"], "al\x1b[2Jice")]}


async def test_tabs_line_feeds_and_carriage_returns_are_stored_verbatim(client, alice, db):
    _, headers = alice
    company, notes = "Acme\tCorp", f"first{WHITESPACE}last"
    created = await create_application(client, headers, company_name=company, notes=notes)
    assert (created["company_name"], created["notes"]) == (company, notes)
    path = f"/applications/{created['id']}"
    changed = await call(client, "PUT", path, headers, json={"role_title": f"Eng{WHITESPACE}"}, expect=200)
    assert changed["role_title"] == f"Eng{WHITESPACE}"
    read = await call(client, "GET", path, headers, expect=200)
    assert (read["company_name"], read["role_title"], read["notes"]) == (company, f"Eng{WHITESPACE}", notes)
    # The list pages are rendered to JSON by the database itself.
    [listed] = await call(client, "GET", "/applications/", headers, expect=200)
    assert (listed["company_name"], listed["role_title"]) == (company, f"Eng{WHITESPACE}")
    assert [(r["company_name"], r["role_title"], r["notes"]) for r in rows(db, tables.applications)] == [
        (company, f"Eng{WHITESPACE}", notes)
    ]


@OTHER_CONTROLS
@pytest.mark.parametrize("where", ["string", "key"])
async def test_any_c0_control_character_in_a_skill_gaps_string_or_key_creates_no_reflection(
    client, alice, db, control, where
):
    _, headers = alice
    application = await create_application(client, headers)
    text = f"SQL{control}joins"
    if where == "string":
        skill_gaps, loc = {"Databases": ["indexes", text]}, ["Databases", 1]
    else:
        skill_gaps, loc = {"Databases": {text: 2}}, ["Databases", text, "[key]"]
    path = f"/applications/{application['id']}/reflection"
    body = await call(client, "POST", path, headers, json={"skill_gaps": skill_gaps}, expect=422)
    assert body == {"detail": [control_error(["body", "skill_gaps", *loc], text)]}
    detail = await call(client, "GET", f"/applications/{application['id']}", headers, expect=200)
    assert detail["reflection"] is None
    assert count(db, tables.reflections) == 0


async def test_tabs_line_feeds_and_carriage_returns_in_skill_gaps_strings_and_keys_are_stored_verbatim(
    client, alice, db
):
    _, headers = alice
    application = await create_application(client, headers)
    skill_gaps = {f"Data{WHITESPACE}bases": {"notes": f"SQL{WHITESPACE}joins", WHITESPACE: [WHITESPACE]}}
    path = f"/applications/{application['id']}/reflection"
    created = await call(client, "POST", path, headers, json={"skill_gaps": skill_gaps}, expect=201)
    assert created["skill_gaps"] == skill_gaps
    detail = await call(client, "GET", f"/applications/{application['id']}", headers, expect=200)
    assert detail["reflection"]["skill_gaps"] == skill_gaps
    assert [row["skill_gaps"] for row in rows(db, tables.reflections)] == [skill_gaps]


async def test_skill_gaps_nested_deeper_than_sixty_four_levels_create_no_reflection(client, alice, db):
    # orjson, which both stores and renders it, writes at most 254 levels: deeper would be a 500.
    _, headers = alice
    application = await create_application(client, headers)
    path = f"/applications/{application['id']}/reflection"
    fields = {"skill_gaps": {"a": nested_list(300)}}
    body = await call(client, "POST", path, headers, json=fields, expect=422)
    assert body == {
        "detail": [
            {
                "type": "value_error",
                "loc": ["body", "skill_gaps", "a", *[0] * 63],
                "msg": "Value error, JSON nested deeper than 64 levels is not allowed",
                "input": nested_list(300 - 63),
            }
        ]
    }
    assert count(db, tables.reflections) == 0


async def test_skill_gaps_sixty_four_levels_deep_are_stored_and_rendered(client, alice, db):
    _, headers = alice
    application = await create_application(client, headers)
    path = f"/applications/{application['id']}/reflection"
    skill_gaps = {"a": nested_list(63)}
    created = await call(client, "POST", path, headers, json={"skill_gaps": skill_gaps}, expect=201)
    assert created["skill_gaps"] == skill_gaps
    detail = await call(client, "GET", f"/applications/{application['id']}", headers, expect=200)
    assert detail["reflection"]["skill_gaps"] == skill_gaps
    assert [row["skill_gaps"] for row in rows(db, tables.reflections)] == [skill_gaps]


async def test_a_nul_character_in_a_search_is_rejected(client, alice):
    _, headers = alice
    body = await call(client, "GET", "/users/search?q=al%00ice", headers, expect=422)
    assert body == {"detail": [control_error(["query", "q"], "al\x00ice")]}


async def test_a_nul_character_in_a_login_email_is_rejected(client, alice):
    fields = {"email": "alice@example.com\x00", "password": "correct horse"}
    body = await call(client, "POST", "/auth/login", json=fields, expect=422)
    assert body == {"detail": [control_error(["body", "email"], "alice@example.com\x00")]}


async def test_a_password_may_hold_control_characters_and_logs_in_with_them(client):
    # Hashed, never stored as text nor shown: the control-character rule leaves passwords alone, so a
    # password chosen while only NUL was refused still works.
    password = "esc\x1b[31m\x00bell\x07"
    body = {"email": "ctl@example.com", "username": "ctl", "password": password}
    await call(client, "POST", "/auth/register", json=body, expect=201)

    login = await call(
        client, "POST", "/auth/login", json={"email": "ctl@example.com", "password": password}, expect=200
    )
    assert login["user"]["username"] == "ctl"
    almost = {"email": "ctl@example.com", "password": "esc\x1b[31m"}
    wrong = await call(client, "POST", "/auth/login", json=almost, expect=401)
    assert wrong == {"detail": "Incorrect email or password"}
