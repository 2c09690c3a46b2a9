"""``/resumes``: the caller's resume versions."""

from __future__ import annotations

import uuid

from .httpkit import DATETIME, UUID_STR, call, create_application, create_resume, register, rows, tables


async def test_creating_a_resume_answers_every_field(client, db):
    user, headers = await register(client, "alice")
    resume = await call(
        client,
        "POST",
        "/resumes/",
        headers,
        json={"version_name": "Backend v2", "notes": "Short one", "file_url": "https://files.example/cv.pdf"},
        expect=201,
    )
    assert resume == {
        "id": UUID_STR,
        "user_id": user["id"],
        "version_name": "Backend v2",
        "notes": "Short one",
        "file_url": "https://files.example/cv.pdf",
        "created_at": DATETIME,
        "updated_at": DATETIME,
    }
    assert [str(r["id"]) for r in rows(db, tables.resume_versions)] == [resume["id"]]


async def test_optional_resume_fields_default_to_null(client):
    _, headers = await register(client, "alice")
    resume = await create_resume(client, headers, version_name="Plain")
    assert (resume["notes"], resume["file_url"]) == (None, None)


async def test_a_resume_reads_back_unchanged(client):
    _, headers = await register(client, "alice")
    resume = await create_resume(client, headers)
    assert await call(client, "GET", f"/resumes/{resume['id']}", headers, expect=200) == resume


async def test_the_list_holds_only_the_callers_resumes_with_and_without_the_slash(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    first = await create_resume(client, alice, version_name="one")
    second = await create_resume(client, alice, version_name="two")
    await create_resume(client, bob, version_name="bob's")
    with_slash = await call(client, "GET", "/resumes/", alice, expect=200)
    without_slash = await call(client, "GET", "/resumes", alice, expect=200)
    assert with_slash == without_slash
    assert sorted(r["id"] for r in with_slash) == sorted([first["id"], second["id"]])


async def test_the_list_pages_with_skip_and_limit(client):
    _, headers = await register(client, "alice")
    for index in range(3):
        await create_resume(client, headers, version_name=f"v{index}")
    everything = await call(client, "GET", "/resumes/", headers, expect=200)
    page = await call(client, "GET", "/resumes/", headers, params={"skip": 1, "limit": 1}, expect=200)
    assert page == everything[1:2]


async def test_a_post_without_the_slash_creates_too(client):
    _, headers = await register(client, "alice")
    await call(client, "POST", "/resumes", headers, json={"version_name": "x"}, expect=201)


async def test_updating_a_resume_is_partial_and_null_clears(client):
    _, headers = await register(client, "alice")
    resume = await create_resume(client, headers, notes="keep me?", file_url="https://x.example/a.pdf")
    updated = await call(
        client,
        "PUT",
        f"/resumes/{resume['id']}",
        headers,
        json={"notes": None, "version_name": "v9"},
        expect=200,
    )
    assert updated == resume | {"notes": None, "version_name": "v9", "updated_at": updated["updated_at"]}
    assert updated["updated_at"] != resume["updated_at"]
    assert await call(client, "GET", f"/resumes/{resume['id']}", headers, expect=200) == updated


async def test_version_name_cannot_be_nulled_or_too_long(client):
    _, headers = await register(client, "alice")
    resume = await create_resume(client, headers)
    body = await call(
        client, "PUT", f"/resumes/{resume['id']}", headers, json={"version_name": None}, expect=422
    )
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [(["body", "version_name"], "string_type")]
    body = await call(client, "POST", "/resumes/", headers, json={"version_name": "x" * 51}, expect=422)
    assert body["detail"][0]["msg"] == "String should have at most 50 characters"


async def test_deleting_a_resume_answers_the_reference_message_and_unlinks_applications(client, db):
    _, headers = await register(client, "alice")
    resume = await create_resume(client, headers)
    application = await create_application(client, headers, resume_version_id=resume["id"])
    assert application["resume_version_id"] == resume["id"]
    body = await call(client, "DELETE", f"/resumes/{resume['id']}", headers, expect=200)
    assert body == {"detail": "Resume version deleted"}
    assert rows(db, tables.resume_versions) == []
    after = await call(client, "GET", f"/applications/{application['id']}", headers, expect=200)
    assert after["resume_version_id"] is None
    assert after["company_name"] == application["company_name"]
    await call(client, "GET", f"/resumes/{resume['id']}", headers, expect=404)


async def test_unknown_resume_ids_are_404(client):
    _, headers = await register(client, "alice")
    missing = uuid.uuid4()
    for method, body in (("GET", None), ("PUT", {"notes": "x"}), ("DELETE", None)):
        answer = await call(client, method, f"/resumes/{missing}", headers, json=body, expect=404)
        assert answer == {"detail": "Resume version not found"}
