"""``POST /account/import`` on the real app, on SQLite and PostgreSQL: ids remapped, references kept,
idempotent, all or nothing, bounded."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from offertracker_storage.sql import tables

from .httpkit import API, create_application, register
from .test_account_export import build_account, export

pytestmark = pytest.mark.usefixtures("database_url")

KINDS = (
    "resumes", "tags", "applications", "stages", "outcomes", "reflections", "documents",
    "tag_assignments", "contacts", "reminders", "saved_jobs", "activity", "milestones",
)  # fmt: skip
COUNTED = (
    tables.resume_versions, tables.tags, tables.applications, tables.application_stages, tables.outcomes,
    tables.reflections, tables.documents, tables.application_tags, tables.contacts, tables.reminders,
    tables.saved_jobs, tables.activity_log, tables.user_milestones, tables.account_import_keys,
)  # fmt: skip


def row_counts(db: sa.Engine) -> dict[str, int]:
    with db.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in COUNTED}


async def post_import(client: TestClient, headers: dict[str, str], document: Any) -> tuple[int, Any]:
    resp = await client.post(f"{API}/account/import", headers=headers, json=document)
    return resp.status, await resp.json()


async def exported(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    _, body = await export(client, headers)
    document: dict[str, Any] = json.loads(body)
    return document


async def test_an_import_recreates_the_account_with_new_ids_and_its_references_kept(
    client: TestClient,
) -> None:
    _, alice = await register(client, "alice")
    await build_account(client, alice)
    source = await exported(client, alice)
    _, bob = await register(client, "bob")

    status, summary = await post_import(client, bob, source)

    assert status == 200, summary
    created = summary["created"]
    assert {kind: created[kind] for kind in KINDS if kind not in ("activity", "milestones")} == {
        kind: 1 for kind in KINDS if kind not in ("activity", "milestones")
    }
    assert created["activity"] == len(source["activity"])
    assert created["milestones"] + summary["skipped"]["milestones"] == len(source["milestones"])
    copy_ = await exported(client, bob)
    [app] = copy_["applications"]
    original = source["applications"][0]
    assert app["id"] != original["id"]
    assert app["resume_version_id"] == copy_["resumes"][0]["id"] != source["resumes"][0]["id"]
    assert app["stages"][0]["application_id"] == app["id"]
    assert app["tags"][0]["tag_id"] == copy_["tags"][0]["id"]
    assert copy_["contacts"][0]["application_id"] == app["id"]
    assert copy_["reminders"][0]["application_id"] == app["id"]
    assert (app["company_name"], app["stages"][0]["questions_asked"]) == ("Acme", ["Why?"])
    assert app["created_at"] == original["created_at"]  # history keeps its dates
    assert {m["name"] for m in copy_["milestones"]} == {m["name"] for m in source["milestones"]}
    stats = await (await client.get(f"{API}/progress/stats", headers=bob)).json()
    assert stats["total_applications"] == 1


async def test_importing_the_same_document_twice_changes_nothing_the_second_time(
    client: TestClient, db: sa.Engine
) -> None:
    _, alice = await register(client, "alice")
    await build_account(client, alice)
    source = await exported(client, alice)
    _, bob = await register(client, "bob")

    status, first = await post_import(client, bob, source)
    before = row_counts(db)
    status_again, second = await post_import(client, bob, source)

    assert (status, status_again) == (200, 200)
    assert row_counts(db) == before
    assert second["created"] == dict.fromkeys(KINDS, 0)
    assert second["skipped"] == {kind: first["created"][kind] + first["skipped"][kind] for kind in KINDS}


async def test_a_document_exported_from_the_same_account_adds_nothing(
    client: TestClient, db: sa.Engine
) -> None:
    _, alice = await register(client, "alice")
    await build_account(client, alice)
    before = row_counts(db)

    status, summary = await post_import(client, alice, await exported(client, alice))

    assert status == 200
    assert summary["created"] == dict.fromkeys(KINDS, 0)
    assert row_counts(db) == before


async def test_a_bad_item_at_the_end_leaves_nothing_behind(client: TestClient, db: sa.Engine) -> None:
    _, alice = await register(client, "alice")
    await build_account(client, alice)
    document = await exported(client, alice)
    _, bob = await register(client, "bob")
    before = row_counts(db)
    document["activity"][-1]["application_id"] = "00000000-0000-4000-8000-000000000000"

    status, body = await post_import(client, bob, document)

    assert status == 422
    last = len(document["activity"]) - 1
    assert body == {
        "detail": [
            {
                "type": "value_error",
                "loc": ["body", "activity", last, "application_id"],
                "msg": "Value error, application 00000000-0000-4000-8000-000000000000 is not in the document",
                "input": "00000000-0000-4000-8000-000000000000",
                "ctx": {"error": {}},
            }
        ]
    }
    assert row_counts(db) == before


async def test_a_write_that_fails_halfway_rolls_the_whole_import_back(
    client: TestClient, db: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from offertracker_storage.sql.repositories.account import SqlAccount

    _, alice = await register(client, "alice")
    await build_account(client, alice)
    document = await exported(client, alice)
    _, bob = await register(client, "bob")
    before = row_counts(db)

    def broken(self: SqlAccount, user_id: Any, keys: Any) -> None:
        raise RuntimeError("the disk filled up (test)")  # after every row of the import was inserted

    monkeypatch.setattr(SqlAccount, "remember", broken)
    status, body = await post_import(client, bob, document)

    assert status == 500
    assert body["detail"] == "Internal server error"
    assert row_counts(db) == before


async def test_a_field_over_its_api_bound_is_a_422_naming_the_item(client: TestClient, db: sa.Engine) -> None:
    _, alice = await register(client, "alice")
    document = {
        "format": "offertracker-export",
        "version": 1,
        "applications": [
            {"id": f"00000000-0000-4000-8000-00000000000{n}", "company_name": "Acme", "role_title": "Dev"}
            for n in range(4)
        ],
    }
    document["applications"][3]["company_name"] = "x" * 256
    before = row_counts(db)

    status, body = await post_import(client, alice, document)

    assert status == 422
    assert body["detail"] == [
        {
            "type": "string_too_long",
            "loc": ["body", "applications", 3, "company_name"],
            "msg": "String should have at most 255 characters",
            "input": "x" * 256,
            "ctx": {"max_length": 255},
        }
    ]
    assert row_counts(db) == before


async def test_a_document_of_a_newer_version_is_refused_naming_the_version(client: TestClient) -> None:
    _, alice = await register(client, "alice")

    status, body = await post_import(client, alice, {"format": "offertracker-export", "version": 2})

    assert status == 422
    assert body["detail"] == [
        {
            "type": "value_error",
            "loc": ["body", "version"],
            "msg": "Value error, this server reads export versions 1 to 1, not 2",
            "input": 2,
            "ctx": {"error": {}},
        }
    ]


async def test_a_version_past_64_bits_is_refused_and_echoed_as_text(client: TestClient) -> None:
    _, alice = await register(client, "alice")
    huge = 2247657795476042547200  # found by the fuzz run: once a 500, as orjson cannot write it

    status, body = await post_import(client, alice, {"format": "offertracker-export", "version": huge})

    assert status == 422
    assert body["detail"] == [
        {
            "type": "value_error",
            "loc": ["body", "version"],
            "msg": f"Value error, this server reads export versions 1 to 1, not {huge}",
            "input": str(huge),
            "ctx": {"error": {}},
        }
    ]


async def test_a_stage_listed_under_another_application_is_a_broken_reference(client: TestClient) -> None:
    _, alice = await register(client, "alice")
    first, second = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"
    stage = {"id": "00000000-0000-4000-8000-0000000000f1", "stage_name": "Screen", "application_id": first}
    document = {
        "format": "offertracker-export",
        "version": 1,
        "applications": [
            {"id": first, "company_name": "A", "role_title": "R"},
            {"id": second, "company_name": "B", "role_title": "R", "stages": [stage]},
        ],
    }

    status, body = await post_import(client, alice, document)

    assert status == 422
    [error] = body["detail"]
    assert error["loc"] == ["body", "applications", 1, "stages", 0, "application_id"]
    assert (
        error["msg"] == f"Value error, application {first} is not the application this item is listed under"
    )


async def test_a_tag_assignment_to_a_tag_not_in_the_document_is_refused(client: TestClient) -> None:
    _, alice = await register(client, "alice")
    missing = "00000000-0000-4000-8000-0000000000t0".replace("t", "e")
    app = {
        "id": "00000000-0000-4000-8000-000000000001",
        "company_name": "A",
        "role_title": "R",
        "tags": [{"id": "00000000-0000-4000-8000-000000000011", "tag_id": missing}],
    }

    status, body = await post_import(
        client, alice, {"format": "offertracker-export", "version": 1, "applications": [app]}
    )

    assert status == 422
    [error] = body["detail"]
    assert error["loc"] == ["body", "applications", 0, "tags", 0, "tag_id"]
    assert error["msg"] == f"Value error, tag {missing} is not in the document"


async def test_the_document_may_come_as_a_multipart_file(client: TestClient) -> None:
    _, alice = await register(client, "alice")
    await create_application(client, alice, company_name="Acme")
    source = await exported(client, alice)
    _, bob = await register(client, "bob")
    form = FormData()
    form.add_field(
        "file", json.dumps(source).encode(), filename="export.json", content_type="application/json"
    )

    resp = await client.post(f"{API}/account/import", headers=bob, data=form)

    assert resp.status == 200, await resp.text()
    assert (await resp.json())["created"]["applications"] == 1


async def test_a_document_over_the_cap_is_a_413_and_nothing_is_read_into_the_account(
    aiohttp_client: Any, make_app: Any, db: sa.Engine
) -> None:
    from offertracker_http.import_settings import ImportSettings

    client = await aiohttp_client(make_app(imports=ImportSettings(account_max_bytes=4096)))
    _, alice = await register(client, "alice")
    before = row_counts(db)
    document = {"format": "offertracker-export", "version": 1, "saved_jobs": [], "padding": "x" * 5000}

    status, body = await post_import(client, alice, document)
    form = FormData()
    form.add_field(
        "file", json.dumps(document).encode(), filename="export.json", content_type="application/json"
    )
    resp = await client.post(f"{API}/account/import", headers=alice, data=form)

    assert (status, body) == (413, {"detail": "Request Entity Too Large"})
    assert (resp.status, await resp.json()) == (413, {"detail": "Request Entity Too Large"})
    assert row_counts(db) == before


async def test_the_profile_fills_only_what_the_account_lacks(client: TestClient) -> None:
    _, alice = await register(client, "alice", display_name="Alice")
    source = await exported(client, alice)
    source["profile"]["bio"] = "Builder"
    _, bob = await register(client, "bob", display_name="Bob")

    status, _ = await post_import(client, bob, source)

    me = await (await client.get(f"{API}/users/me", headers=bob)).json()
    assert status == 200
    assert (me["email"], me["username"], me["display_name"], me["bio"]) == (
        "bob@example.com",
        "bob",
        "Bob",
        "Builder",
    )


async def test_a_chunked_body_is_counted_and_stopped_past_the_cap(aiohttp_client: Any, make_app: Any) -> None:
    from offertracker_http.import_settings import ImportSettings

    client = await aiohttp_client(make_app(imports=ImportSettings(account_max_bytes=4096)))
    _, alice = await register(client, "alice")

    async def body() -> Any:  # no Content-Length: the server has to count
        for _ in range(10):
            yield b" " * 1000

    resp = await client.post(
        f"{API}/account/import", headers={**alice, "Content-Type": "application/json"}, data=body()
    )

    assert resp.status == 413
    assert await resp.json() == {"detail": "Request Entity Too Large"}
