"""``/contacts``: the caller's networking contacts (behaviour.md §3, §6, §7, §9)."""

from __future__ import annotations

import uuid

import pytest

from .httpkit import (
    BAD_PAGING,
    DATETIME,
    UUID_STR,
    call,
    count,
    counted_get,
    create_application,
    create_contact,
    held,
    not_a_uuid,
    register,
    rows,
    tables,
    too_long,
    user_row,
)

EVERY_FIELD = {
    "name": "Grace Hopper",
    "email": "grace@acme.example",
    "phone": "+44 20 7946 0000",
    "role_title": "Engineering Manager",
    "company": "Acme",
    "contact_type": "Hiring Manager",
    "linkedin_url": "https://www.linkedin.com/in/grace",
    "notes": "Met at the meetup.",
    "last_contacted": "2026-02-27",
}

CONTACT_TYPES = "'Recruiter', 'Hiring Manager', 'Referral', 'HR', 'Peer' or 'Other'"


def contact_log(db, user_id: str) -> list[tuple]:
    """The caller's "Contact Added" entries, oldest first, as (application_id, description, metadata)."""
    entries = rows(
        db,
        tables.activity_log,
        user_id=uuid.UUID(user_id),
        action="Contact Added",
        order_by=[tables.activity_log.c.created_at],
    )
    return [
        (None if e["application_id"] is None else str(e["application_id"]), e["description"], e["metadata"])
        for e in entries
    ]


# --- create and read -------------------------------------------------------------------


async def test_creating_a_contact_answers_every_field_and_stores_it(client, db):
    user, headers = await register(client, "alice")
    application = await create_application(client, headers)

    contact = await call(
        client,
        "POST",
        "/contacts/",
        headers,
        json={**EVERY_FIELD, "application_id": application["id"]},
        expect=201,
    )

    assert contact == {
        "id": UUID_STR,
        "user_id": user["id"],
        "application_id": application["id"],
        **EVERY_FIELD,
        "created_at": DATETIME,
        "updated_at": DATETIME,
    }
    assert contact["created_at"] == contact["updated_at"]
    [row] = rows(db, tables.contacts)
    assert (str(row["id"]), str(row["user_id"]), str(row["application_id"])) == (
        contact["id"],
        user["id"],
        application["id"],
    )
    assert (row["name"], row["contact_type"], row["last_contacted"].isoformat()) == (
        "Grace Hopper",
        "Hiring Manager",
        "2026-02-27",
    )


async def test_a_contact_needs_only_a_name_and_is_of_type_other_by_default(client):
    user, headers = await register(client, "alice")
    contact = await call(client, "POST", "/contacts/", headers, json={"name": "Ada"}, expect=201)
    assert contact == {
        "id": UUID_STR,
        "user_id": user["id"],
        "application_id": None,
        "name": "Ada",
        "email": None,
        "phone": None,
        "role_title": None,
        "company": None,
        "contact_type": "Other",
        "linkedin_url": None,
        "notes": None,
        "last_contacted": None,
        "created_at": DATETIME,
        "updated_at": DATETIME,
    }


async def test_a_contact_reads_back_unchanged_and_a_post_without_the_slash_creates_too(client):
    _, headers = await register(client, "alice")
    contact = await call(client, "POST", "/contacts", headers, json=EVERY_FIELD, expect=201)
    assert await call(client, "GET", f"/contacts/{contact['id']}", headers, expect=200) == contact


async def test_creating_a_contact_logs_contact_added_under_its_application_if_linked(client, db):
    user, headers = await register(client, "alice")
    application = await create_application(client, headers)
    await create_contact(client, headers, name="Grace Hopper", application_id=application["id"])
    await create_contact(client, headers, name="Linus")

    assert contact_log(db, user["id"]) == [
        (application["id"], "Added contact: Grace Hopper", {}),
        (None, "Added contact: Linus", {}),
    ]


async def test_creating_a_contact_is_a_tracked_action_for_the_streak(aiohttp_client, make_app, db, clock):
    # Tokens that outlive the days the clock skips, so only the contacts (not logins) move the streak.
    client = await aiohttp_client(make_app(token_ttl_seconds=30 * 86400))
    user, headers = await register(client, "alice")
    assert user_row(db, user["id"])["streak_days"] == 0
    for day in range(1, 8):
        await create_contact(client, headers, name=f"Contact {day}")
        row = user_row(db, user["id"])
        assert (row["streak_days"], row["last_active_date"]) == (day, clock.today())
        if day < 7:
            assert "One Week Strong" not in held(db, user["id"])
            clock.advance(days=1)
    # The milestones are re-checked after a contact like after any tracked action.
    assert held(db, user["id"]) == {"Getting Started", "One Week Strong"}


# --- list and filters ------------------------------------------------------------------


async def test_the_list_holds_only_the_callers_contacts_newest_first_with_and_without_the_slash(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    first = await create_contact(client, alice, name="one")
    second = await create_contact(client, alice, name="two")
    await create_contact(client, bob, name="bob's")

    with_slash = await call(client, "GET", "/contacts/", alice, expect=200)

    assert with_slash == [second, first]
    assert await call(client, "GET", "/contacts", alice, expect=200) == with_slash
    assert [c["name"] for c in await call(client, "GET", "/contacts/", bob, expect=200)] == ["bob's"]


async def test_the_list_pages_with_skip_and_limit(client):
    _, headers = await register(client, "alice")
    for n in range(3):
        await create_contact(client, headers, name=f"c{n}")
    everything = await call(client, "GET", "/contacts/", headers, expect=200)
    page = await call(client, "GET", "/contacts/", headers, params={"skip": 1, "limit": 1}, expect=200)
    assert [c["name"] for c in everything] == ["c2", "c1", "c0"]
    assert page == everything[1:2]


async def test_the_list_filters_by_application_and_by_contact_type_together_or_apart(client):
    _, headers = await register(client, "alice")
    acme = await create_application(client, headers, company_name="Acme")
    initech = await create_application(client, headers, company_name="Initech")
    acme_recruiter = await create_contact(
        client, headers, application_id=acme["id"], contact_type="Recruiter"
    )
    acme_peer = await create_contact(client, headers, application_id=acme["id"], contact_type="Peer")
    initech_recruiter = await create_contact(
        client, headers, application_id=initech["id"], contact_type="Recruiter"
    )
    loose_recruiter = await create_contact(client, headers, contact_type="Recruiter")

    async def listed(**params: str) -> list[str]:
        return [c["id"] for c in await call(client, "GET", "/contacts/", headers, params=params, expect=200)]

    assert await listed(application_id=acme["id"]) == [acme_peer["id"], acme_recruiter["id"]]
    assert await listed(contact_type="Recruiter") == [
        loose_recruiter["id"],
        initech_recruiter["id"],
        acme_recruiter["id"],
    ]
    assert await listed(application_id=acme["id"], contact_type="Recruiter") == [acme_recruiter["id"]]
    assert await listed(contact_type="HR") == []
    assert await listed(application_id=str(uuid.uuid4())) == []


async def test_another_users_application_as_a_filter_lists_nothing(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    application = await create_application(client, alice)
    await create_contact(client, alice, application_id=application["id"])
    params = {"application_id": application["id"]}
    assert await call(client, "GET", "/contacts/", bob, params=params, expect=200) == []


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"contact_type": "Headhunter"},
            {
                "type": "enum",
                "loc": ["query", "contact_type"],
                "msg": f"Input should be {CONTACT_TYPES}",
                "input": "Headhunter",
                "ctx": {"expected": CONTACT_TYPES},
            },
        ),
        (
            {"contact_type": "recruiter"},
            {
                "type": "enum",
                "loc": ["query", "contact_type"],
                "msg": f"Input should be {CONTACT_TYPES}",
                "input": "recruiter",
                "ctx": {"expected": CONTACT_TYPES},
            },
        ),
        ({"application_id": "acme"}, not_a_uuid("query", "application_id", "acme")),
    ],
)
async def test_a_bad_filter_is_a_422_on_the_query(client, params, error):
    _, headers = await register(client, "alice")
    await create_contact(client, headers)
    body = await call(client, "GET", "/contacts/", headers, params=params, expect=422)
    assert body == {"detail": [error]}


@pytest.mark.parametrize(
    ("params", "loc", "type_"),
    [*BAD_PAGING, ({"limit": "ten"}, ["query", "limit"], "int_parsing")],
)
async def test_bad_paging_is_a_422_on_the_query(client, params, loc, type_):
    _, headers = await register(client, "alice")
    body = await call(client, "GET", "/contacts/", headers, params=params, expect=422)
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [(loc, type_)]


async def test_a_page_of_five_and_a_page_of_fifty_contacts_run_the_same_number_of_statements(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    for n in range(60):
        linked = {"application_id": application["id"]} if n % 2 else {}
        await create_contact(client, headers, name=f"c{n}", contact_type="Recruiter", **linked)

    async def list_page(**params: object) -> tuple[int, int]:
        statements, body = await counted_get(client, "/contacts/", headers, params)
        return statements, len(body)

    small, large = await list_page(limit=5), await list_page(limit=50)
    filtered = await list_page(limit=50, application_id=application["id"], contact_type="Recruiter")

    assert (small[1], large[1], filtered[1]) == (5, 50, 30)
    assert small[0] == large[0] == filtered[0] == 1  # the page itself; the caller is remembered


# --- update ------------------------------------------------------------------------------


async def test_updating_a_contact_is_partial_and_null_clears(client, db):
    _, headers = await register(client, "alice")
    contact = await create_contact(client, headers, **EVERY_FIELD)

    updated = await call(
        client,
        "PUT",
        f"/contacts/{contact['id']}",
        headers,
        json={"email": None, "notes": None, "contact_type": "Referral", "name": "Grace B. Hopper"},
        expect=200,
    )

    assert updated == contact | {
        "email": None,
        "notes": None,
        "contact_type": "Referral",
        "name": "Grace B. Hopper",
        "updated_at": DATETIME,
    }
    assert updated["updated_at"] > contact["updated_at"]
    assert await call(client, "GET", f"/contacts/{contact['id']}", headers, expect=200) == updated
    [row] = rows(db, tables.contacts)
    assert (row["email"], row["notes"], row["contact_type"]) == (None, None, "Referral")


async def test_an_empty_update_only_touches_updated_at(client):
    _, headers = await register(client, "alice")
    contact = await create_contact(client, headers, **EVERY_FIELD)
    updated = await call(client, "PUT", f"/contacts/{contact['id']}", headers, json={}, expect=200)
    assert updated == contact | {"updated_at": updated["updated_at"]}
    assert updated["updated_at"] > contact["updated_at"]


async def test_a_contact_is_linked_to_an_application_and_unlinked_with_null(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    contact = await create_contact(client, headers)
    path = f"/contacts/{contact['id']}"

    linked = await call(client, "PUT", path, headers, json={"application_id": application["id"]}, expect=200)
    assert linked["application_id"] == application["id"]
    unlinked = await call(client, "PUT", path, headers, json={"application_id": None}, expect=200)
    assert unlinked["application_id"] is None


@pytest.mark.parametrize("field", ["name", "contact_type"])
async def test_a_required_field_cannot_be_nulled(client, db, field):
    _, headers = await register(client, "alice")
    contact = await create_contact(client, headers)
    body = await call(client, "PUT", f"/contacts/{contact['id']}", headers, json={field: None}, expect=422)
    expected = "string_type" if field == "name" else "enum"
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [(["body", field], expected)]
    assert await call(client, "GET", f"/contacts/{contact['id']}", headers, expect=200) == contact


# --- the application a contact links to --------------------------------------------------


async def test_an_unknown_application_is_not_found_and_someone_elses_is_forbidden_storing_nothing(client, db):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    bobs_application = await create_application(client, bob)
    answers = [
        (str(uuid.uuid4()), 404, "Application not found"),
        (bobs_application["id"], 403, "Not your application"),
    ]
    for application_id, status, message in answers:
        body = await call(
            client,
            "POST",
            "/contacts/",
            alice,
            json={"name": "X", "application_id": application_id},
            expect=status,
        )
        assert body == {"detail": message}
    assert count(db, tables.contacts) == 0
    assert count(db, tables.activity_log, action="Contact Added") == 0


async def test_an_update_to_an_unknown_or_someone_elses_application_changes_nothing(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    bobs_application = await create_application(client, bob)
    contact = await create_contact(client, alice, notes="before")
    path = f"/contacts/{contact['id']}"
    answers = [
        (str(uuid.uuid4()), 404, "Application not found"),
        (bobs_application["id"], 403, "Not your application"),
    ]
    for application_id, status, message in answers:
        changes = {"application_id": application_id, "notes": "after"}
        body = await call(client, "PUT", path, alice, json=changes, expect=status)
        assert body == {"detail": message}
    assert await call(client, "GET", path, alice, expect=200) == contact


# --- validation ----------------------------------------------------------------------------


async def test_every_field_over_its_bound_is_reported_and_nothing_is_stored(client, db):
    _, headers = await register(client, "alice")
    bounds = {
        "name": 255,
        "email": 255,
        "phone": 50,
        "role_title": 255,
        "company": 255,
        "linkedin_url": 500,
        "notes": 20_000,
    }
    body = {field: "x" * (limit + 1) for field, limit in bounds.items()}

    answer = await call(client, "POST", "/contacts/", headers, json=body, expect=422)

    assert answer == {
        "detail": [too_long(["body", field], body[field], limit) for field, limit in bounds.items()]
    }
    assert count(db, tables.contacts) == 0
    # Exactly at the bounds is fine.
    at_bounds = {field: "x" * limit for field, limit in bounds.items()}
    assert (await create_contact(client, headers, **at_bounds))["phone"] == "x" * 50


async def test_a_contact_without_a_name_or_with_bad_values_is_a_422_naming_each_field(client, db):
    _, headers = await register(client, "alice")
    body = {
        "application_id": "not-a-uuid",
        "contact_type": "Headhunter",
        "last_contacted": "yesterday",
        "email": 42,
    }

    answer = await call(client, "POST", "/contacts/", headers, json=body, expect=422)

    assert [(e["loc"], e["type"]) for e in answer["detail"]] == [
        (["body", "name"], "missing"),
        (["body", "application_id"], "uuid_parsing"),
        (["body", "email"], "string_type"),
        (["body", "contact_type"], "enum"),
        (["body", "last_contacted"], "date_parsing"),
    ]
    assert answer["detail"][3]["msg"] == f"Input should be {CONTACT_TYPES}"
    assert count(db, tables.contacts) == 0


async def test_a_bad_update_is_a_422_and_changes_nothing(client):
    _, headers = await register(client, "alice")
    contact = await create_contact(client, headers)
    path = f"/contacts/{contact['id']}"
    answer = await call(client, "PUT", path, headers, json={"phone": "1" * 51, "notes": "kept?"}, expect=422)
    assert answer == {"detail": [too_long(["body", "phone"], "1" * 51, 50)]}
    assert await call(client, "GET", path, headers, expect=200) == contact


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PUT", {"notes": "x"}), ("DELETE", None)])
async def test_a_contact_id_that_is_not_a_uuid_is_a_422_on_the_path(client, method, body):
    _, headers = await register(client, "alice")
    answer = await call(client, method, "/contacts/grace", headers, json=body, expect=422)
    assert answer == {"detail": [not_a_uuid("path", "contact_id", "grace")]}


# --- delete -----------------------------------------------------------------------------------


async def test_deleting_a_contact_answers_the_reference_message_and_keeps_its_log_entry(client, db):
    user, headers = await register(client, "alice")
    doomed = await create_contact(client, headers, name="Doomed")
    kept = await create_contact(client, headers, name="Kept")

    body = await call(client, "DELETE", f"/contacts/{doomed['id']}", headers, expect=200)

    assert body == {"detail": "Contact deleted"}
    assert [str(r["id"]) for r in rows(db, tables.contacts)] == [kept["id"]]
    assert await call(client, "GET", f"/contacts/{doomed['id']}", headers, expect=404) == {
        "detail": "Contact not found"
    }
    assert await call(client, "GET", "/contacts/", headers, expect=200) == [kept]
    # The activity log is append-only (behaviour.md §7): only an application's delete removes entries.
    assert [d for _, d, _ in contact_log(db, user["id"])] == ["Added contact: Doomed", "Added contact: Kept"]


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PUT", {"notes": "x"}), ("DELETE", None)])
async def test_an_unknown_contact_is_not_found(client, method, body):
    _, headers = await register(client, "alice")
    await create_contact(client, headers)
    answer = await call(client, method, f"/contacts/{uuid.uuid4()}", headers, json=body, expect=404)
    assert answer == {"detail": "Contact not found"}


async def test_deleting_an_application_deletes_the_contacts_linked_to_it_and_their_entries(client, db):
    user, headers = await register(client, "alice")
    _, bob = await register(client, "bob")
    doomed = await create_application(client, headers, company_name="Doomed")
    other = await create_application(client, headers, company_name="Other")
    linked = await create_contact(client, headers, name="Linked", application_id=doomed["id"])
    elsewhere = await create_contact(client, headers, name="Elsewhere", application_id=other["id"])
    loose = await create_contact(client, headers, name="Loose")
    bobs = await create_contact(client, bob, name="Bob's")

    await call(client, "DELETE", f"/applications/{doomed['id']}", headers, expect=200)

    assert sorted(str(r["id"]) for r in rows(db, tables.contacts)) == sorted(
        [elsewhere["id"], loose["id"], bobs["id"]]
    )
    assert await call(client, "GET", f"/contacts/{linked['id']}", headers, expect=404) == {
        "detail": "Contact not found"
    }
    assert await call(client, "GET", "/contacts/", headers, expect=200) == [loose, elsewhere]
    assert contact_log(db, user["id"]) == [
        (other["id"], "Added contact: Elsewhere", {}),
        (None, "Added contact: Loose", {}),
    ]


# --- another user -------------------------------------------------------------------------------

MATRIX = [
    ("GET", None),
    ("PUT", {"notes": "bob was here"}),
    ("PUT", {}),
    ("DELETE", None),
]


@pytest.mark.parametrize(("method", "body"), MATRIX)
async def test_another_user_gets_403_on_alices_contact_and_changes_nothing(client, db, method, body):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    application = await create_application(client, alice)
    contact = await create_contact(client, alice, **EVERY_FIELD, application_id=application["id"])
    path = f"/contacts/{contact['id']}"
    before = rows(db, tables.contacts), count(db, tables.activity_log)

    answer = await call(client, method, path, bob, json=body, expect=403)

    assert answer == {"detail": "Not your contact"}
    assert (rows(db, tables.contacts), count(db, tables.activity_log)) == before
    assert await call(client, "GET", path, alice, expect=200) == contact
    assert await call(client, "GET", "/contacts/", bob, expect=200) == []
