"""``/documents``: documents attached to the caller's applications (behaviour.md §3, §5, §7, §9).

A document has no ``user_id``: it is the caller's when its application is, so
every check goes through the application.
"""

from __future__ import annotations

import json
import uuid

import pytest

from offertracker_core import pages
from offertracker_http.schemas import MAX_LIMIT

from .httpkit import (
    API,
    BAD_PAGING,
    DATETIME,
    UUID_STR,
    call,
    count,
    counted_get,
    create_application,
    create_document,
    not_a_uuid,
    register,
    rows,
    tables,
    too_long,
    user_row,
)

EVERY_FIELD = {
    "name": "Acme cover letter",
    "doc_type": "Cover Letter",
    "file_url": "https://files.example/acme-letter.pdf",
    "notes": "Mentions the referral.",
}

DOCUMENT_TYPES = "'Resume', 'Cover Letter', 'Portfolio', 'Reference' or 'Other'"


def document_log(db, application_id: str) -> list[tuple]:
    """The "Document Added" entries of one application, oldest first: (user_id, description, metadata)."""
    entries = rows(
        db,
        tables.activity_log,
        application_id=uuid.UUID(application_id),
        action="Document Added",
        order_by=[tables.activity_log.c.created_at],
    )
    return [(str(e["user_id"]), e["description"], e["metadata"]) for e in entries]


async def listed(client, headers, application_id: str, **params: object) -> list[dict]:
    return await call(client, "GET", f"/documents/{application_id}", headers, params=params, expect=200)


# --- create ------------------------------------------------------------------------------


async def test_creating_a_document_answers_every_field_and_stores_it(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)

    document = await call(
        client,
        "POST",
        "/documents/",
        headers,
        json={"application_id": application["id"], **EVERY_FIELD},
        expect=201,
    )

    assert document == {
        "id": UUID_STR,
        "application_id": application["id"],
        **EVERY_FIELD,
        "created_at": DATETIME,
        "updated_at": DATETIME,
    }
    assert document["created_at"] == document["updated_at"]
    [row] = rows(db, tables.documents)
    assert (str(row["id"]), str(row["application_id"]), row["doc_type"], row["name"]) == (
        document["id"],
        application["id"],
        "Cover Letter",
        "Acme cover letter",
    )


async def test_a_document_needs_an_application_and_a_name_and_is_of_type_other_by_default(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    body = {"application_id": application["id"], "name": "notes.txt"}
    document = await call(client, "POST", "/documents", headers, json=body, expect=201)
    assert document == {
        "id": UUID_STR,
        "application_id": application["id"],
        "doc_type": "Other",
        "name": "notes.txt",
        "file_url": None,
        "notes": None,
        "created_at": DATETIME,
        "updated_at": DATETIME,
    }


async def test_creating_a_document_logs_document_added_under_its_application(client, db):
    user, headers = await register(client, "alice")
    application = await create_application(client, headers)
    await create_document(client, headers, application["id"], doc_type="Cover Letter", name="Acme letter")
    await create_document(client, headers, application["id"], name="misc.txt")

    assert document_log(db, application["id"]) == [
        (user["id"], "Added Cover Letter: Acme letter", {}),
        (user["id"], "Added Other: misc.txt", {}),
    ]


async def test_creating_a_document_is_not_a_tracked_action(aiohttp_client, make_app, db, clock):
    client = await aiohttp_client(make_app(token_ttl_seconds=30 * 86400))
    user, headers = await register(client, "alice")
    application = await create_application(client, headers)
    started = user_row(db, user["id"])
    clock.advance(days=1)

    await create_document(client, headers, application["id"])

    row = user_row(db, user["id"])
    assert (row["streak_days"], row["last_active_date"]) == (1, started["last_active_date"])


# --- list --------------------------------------------------------------------------------


async def test_the_list_holds_the_applications_documents_newest_first(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    other = await create_application(client, headers)
    first = await create_document(client, headers, application["id"], name="first")
    await create_document(client, headers, other["id"], name="other's")
    second = await create_document(client, headers, application["id"], name="second")

    assert await listed(client, headers, application["id"]) == [second, first]
    assert [d["name"] for d in await listed(client, headers, other["id"])] == ["other's"]
    assert await listed(client, headers, (await create_application(client, headers))["id"]) == []


async def test_the_list_pages_with_skip_and_limit(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    for n in range(3):
        await create_document(client, headers, application["id"], name=f"d{n}")
    everything = await listed(client, headers, application["id"])
    assert [d["name"] for d in everything] == ["d2", "d1", "d0"]
    assert await listed(client, headers, application["id"], skip=1, limit=1) == everything[1:2]


@pytest.mark.parametrize(
    ("params", "loc", "type_"),
    BAD_PAGING,
)
async def test_bad_paging_is_a_422_on_the_query(client, params, loc, type_):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    path = f"/documents/{application['id']}"
    body = await call(client, "GET", path, headers, params=params, expect=422)
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [(loc, type_)]


async def test_listing_an_unknown_application_is_not_found_and_a_bad_id_a_422(client):
    _, headers = await register(client, "alice")
    assert await call(client, "GET", f"/documents/{uuid.uuid4()}", headers, expect=404) == {
        "detail": "Application not found"
    }
    assert await call(client, "GET", "/documents/acme", headers, expect=422) == {
        "detail": [not_a_uuid("path", "application_id", "acme")]
    }


async def test_a_page_of_five_and_a_page_of_fifty_documents_run_the_same_number_of_statements(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    for n in range(60):
        await create_document(client, headers, application["id"], name=f"d{n}", notes="n" * n)

    async def list_page(limit: int) -> tuple[int, int]:
        statements, body = await counted_get(
            client, f"/documents/{application['id']}", headers, {"limit": limit}
        )
        return statements, len(body)

    small, large = await list_page(5), await list_page(50)

    assert (small[1], large[1]) == (5, 50)
    assert small[0] == large[0] == 2  # the application's owner, then the page


async def test_a_page_of_documents_ends_past_eight_mib_and_paging_on_reaches_every_document(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    notes = "\U0001f600" * 20_000  # 80,000 bytes
    created = [
        await create_document(client, headers, application["id"], name=f"d{n:03}", notes=notes)
        for n in range(110)
    ]
    each = pages.OBJECT_BYTES + len("d000") + len("Other") + len(notes.encode())
    fits = -(-pages.PAGE_BYTES // each)  # rows until the content ahead of the next reaches the budget

    found = []
    while True:
        skip = sum(len(page) for page in found)
        response = await client.get(
            f"{API}/documents/{application['id']}?limit={MAX_LIMIT}&skip={skip}", headers=headers
        )
        assert response.status == 200
        page = json.loads(await response.read())
        if not page:
            break
        found.append(page)

    assert [len(page) for page in found] == [fits, len(created) - fits]
    assert [d["id"] for page in found for d in page] == [d["id"] for d in reversed(created)]


# --- update ---------------------------------------------------------------------------------


async def test_updating_a_document_is_partial_and_null_clears(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    document = await create_document(client, headers, application["id"], **EVERY_FIELD)

    updated = await call(
        client,
        "PUT",
        f"/documents/{document['id']}",
        headers,
        json={"file_url": None, "doc_type": "Portfolio", "name": "Portfolio v2"},
        expect=200,
    )

    assert updated == document | {
        "file_url": None,
        "doc_type": "Portfolio",
        "name": "Portfolio v2",
        "updated_at": DATETIME,
    }
    assert updated["updated_at"] > document["updated_at"]
    assert await listed(client, headers, application["id"]) == [updated]
    [row] = rows(db, tables.documents)
    assert (row["file_url"], row["doc_type"], row["notes"]) == (None, "Portfolio", EVERY_FIELD["notes"])


async def test_a_document_stays_with_its_application_whatever_the_update_says(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    other = await create_application(client, headers)
    document = await create_document(client, headers, application["id"])
    path = f"/documents/{document['id']}"

    updated = await call(client, "PUT", path, headers, json={"application_id": other["id"]}, expect=200)

    assert updated["application_id"] == application["id"]
    assert await listed(client, headers, other["id"]) == []


@pytest.mark.parametrize(("field", "type_"), [("name", "string_type"), ("doc_type", "enum")])
async def test_a_required_field_cannot_be_nulled(client, field, type_):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    document = await create_document(client, headers, application["id"])
    path = f"/documents/{document['id']}"
    body = await call(client, "PUT", path, headers, json={field: None}, expect=422)
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [(["body", field], type_)]
    assert await listed(client, headers, application["id"]) == [document]


# --- validation ------------------------------------------------------------------------------


async def test_every_field_over_its_bound_is_reported_and_nothing_is_stored(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    bounds = {"name": 255, "file_url": 500, "notes": 20_000}
    body = {field: "x" * (limit + 1) for field, limit in bounds.items()}

    answer = await call(
        client, "POST", "/documents/", headers, json={"application_id": application["id"], **body}, expect=422
    )

    assert answer == {
        "detail": [too_long(["body", field], body[field], limit) for field, limit in bounds.items()]
    }
    assert count(db, tables.documents) == 0
    at_bounds = {field: "x" * limit for field, limit in bounds.items()}
    assert len((await create_document(client, headers, application["id"], **at_bounds))["notes"]) == 20_000


async def test_a_document_without_application_or_name_or_with_an_unknown_type_is_a_422(client, db):
    _, headers = await register(client, "alice")

    answer = await call(client, "POST", "/documents/", headers, json={"doc_type": "CV"}, expect=422)

    assert answer["detail"][:2] == [
        {
            "type": "missing",
            "loc": ["body", "application_id"],
            "msg": "Field required",
            "input": {"doc_type": "CV"},
        },
        {"type": "missing", "loc": ["body", "name"], "msg": "Field required", "input": {"doc_type": "CV"}},
    ]
    assert answer["detail"][2] == {
        "type": "enum",
        "loc": ["body", "doc_type"],
        "msg": f"Input should be {DOCUMENT_TYPES}",
        "input": "CV",
        "ctx": {"expected": DOCUMENT_TYPES},
    }
    assert len(answer["detail"]) == 3
    body = {"application_id": "acme", "name": "x"}
    answer = await call(client, "POST", "/documents/", headers, json=body, expect=422)
    assert [(e["loc"], e["type"]) for e in answer["detail"]] == [(["body", "application_id"], "uuid_parsing")]
    assert count(db, tables.documents) == 0


@pytest.mark.parametrize(("method", "body"), [("PUT", {"notes": "x"}), ("DELETE", None)])
async def test_a_document_id_that_is_not_a_uuid_is_a_422_on_the_path(client, method, body):
    _, headers = await register(client, "alice")
    answer = await call(client, method, "/documents/letter", headers, json=body, expect=422)
    assert answer == {"detail": [not_a_uuid("path", "doc_id", "letter")]}


# --- delete -------------------------------------------------------------------------------------


async def test_deleting_a_document_answers_the_reference_message_and_keeps_its_log_entry(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    doomed = await create_document(client, headers, application["id"], name="doomed")
    kept = await create_document(client, headers, application["id"], name="kept")

    body = await call(client, "DELETE", f"/documents/{doomed['id']}", headers, expect=200)

    assert body == {"detail": "Document deleted"}
    assert [str(r["id"]) for r in rows(db, tables.documents)] == [kept["id"]]
    assert await listed(client, headers, application["id"]) == [kept]
    assert [d for _, d, _ in document_log(db, application["id"])] == [
        "Added Other: doomed",
        "Added Other: kept",
    ]
    again = await call(client, "DELETE", f"/documents/{doomed['id']}", headers, expect=404)
    assert again == {"detail": "Document not found"}


@pytest.mark.parametrize(("method", "body"), [("PUT", {"notes": "x"}), ("DELETE", None)])
async def test_an_unknown_document_is_not_found(client, method, body):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    await create_document(client, headers, application["id"])
    answer = await call(client, method, f"/documents/{uuid.uuid4()}", headers, json=body, expect=404)
    assert answer == {"detail": "Document not found"}


async def test_deleting_an_application_deletes_its_documents_and_their_entries(client, db):
    _, headers = await register(client, "alice")
    doomed = await create_application(client, headers)
    kept = await create_application(client, headers)
    gone = [await create_document(client, headers, doomed["id"], name=f"gone {n}") for n in range(2)]
    stays = await create_document(client, headers, kept["id"], name="stays")

    await call(client, "DELETE", f"/applications/{doomed['id']}", headers, expect=200)

    assert [str(r["id"]) for r in rows(db, tables.documents)] == [stays["id"]]
    assert count(db, tables.activity_log, application_id=uuid.UUID(doomed["id"])) == 0
    assert [d for _, d, _ in document_log(db, kept["id"])] == ["Added Other: stays"]
    for document in gone:
        answer = await call(client, "PUT", f"/documents/{document['id']}", headers, json={}, expect=404)
        assert answer == {"detail": "Document not found"}
    assert await call(client, "GET", f"/documents/{doomed['id']}", headers, expect=404) == {
        "detail": "Application not found"
    }


# --- another user ---------------------------------------------------------------------------------

# (method, path template, body, expected status, expected detail)
MATRIX = [
    ("GET", "/documents/{app}", None, 403, "Not your application"),
    ("POST", "/documents/", {"application_id": "{app}", "name": "bob's"}, 403, "Not your application"),
    ("PUT", "/documents/{doc}", {"notes": "bob was here"}, 403, "Not your document"),
    ("PUT", "/documents/{doc}", {}, 403, "Not your document"),
    ("DELETE", "/documents/{doc}", None, 403, "Not your document"),
]


@pytest.mark.parametrize(("method", "template", "body", "status", "detail"), MATRIX)
async def test_another_user_cannot_touch_alices_documents(client, db, method, template, body, status, detail):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    application = await create_application(client, alice)
    document = await create_document(client, alice, application["id"], **EVERY_FIELD)
    ids = {"app": application["id"], "doc": document["id"]}
    if body is not None:
        body = {key: value.format(**ids) for key, value in body.items()}
    before = rows(db, tables.documents), count(db, tables.activity_log)

    answer = await call(client, method, template.format(**ids), bob, json=body, expect=status)

    assert answer == {"detail": detail}
    assert (rows(db, tables.documents), count(db, tables.activity_log)) == before
    assert await listed(client, alice, application["id"]) == [document]


async def test_bobs_documents_stay_his_and_an_unknown_application_in_a_post_is_not_found(client, db):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    bobs_application = await create_application(client, bob)
    bobs = await create_document(client, bob, bobs_application["id"])
    body = {"application_id": str(uuid.uuid4()), "name": "x"}

    assert await call(client, "POST", "/documents/", alice, json=body, expect=404) == {
        "detail": "Application not found"
    }
    assert [str(r["id"]) for r in rows(db, tables.documents)] == [bobs["id"]]
    assert count(db, tables.activity_log, action="Document Added") == 1
