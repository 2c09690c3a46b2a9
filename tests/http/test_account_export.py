"""``GET /account/export`` (JSON and zip) and ``GET /account/export/applications.csv`` on the real app,
on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from offertracker_http.account_export import DOCUMENT_ENTRY

from .httpkit import (
    API,
    DATETIME,
    UUID_STR,
    add_stage,
    create_application,
    create_contact,
    create_document,
    create_outcome,
    create_reflection,
    create_reminder,
    create_resume,
    create_tag,
    register,
    save_job,
    upload,
)

pytestmark = pytest.mark.usefixtures("database_url")

PDF_BYTES = b"%PDF-1.4\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"


async def export(client: TestClient, headers: dict[str, str], **params: str) -> tuple[Any, bytes]:
    resp = await client.get(f"{API}/account/export", headers=headers, params=params)
    assert resp.status == 200, await resp.text()
    return resp, await resp.read()


async def build_account(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    """One of everything, linked together; the ids by name."""
    resume = await create_resume(
        client, headers, version_name="Backend", file_url="https://cv.example/me.pdf"
    )
    tag = await create_tag(client, headers, name="Remote", color="#00ff00")
    app = await create_application(
        client, headers, company_name="Acme", role_title="Engineer", resume_version_id=resume["id"]
    )
    stage = await add_stage(client, headers, app["id"], stage_name="Phone screen", questions_asked=["Why?"])
    await create_outcome(client, headers, app["id"], status="Offer", salary=120000)
    await create_reflection(client, headers, app["id"], what_worked="Practice", skill_gaps={"sql": 2})
    document = await create_document(client, headers, app["id"], name="Cover letter")
    resp = await client.post(f"{API}/tags/application/{app['id']}/assign/{tag['id']}", headers=headers)
    assert resp.status in (200, 201), await resp.text()
    contact = await create_contact(client, headers, name="Grace", application_id=app["id"])
    reminder = await create_reminder(client, headers, title="Call back", application_id=app["id"])
    job = await save_job(client, headers, company_name="Initech")
    return {
        "resume": resume["id"],
        "tag": tag["id"],
        "application": app["id"],
        "stage": stage["id"],
        "document": document["id"],
        "contact": contact["id"],
        "reminder": reminder["id"],
        "saved_job": job["id"],
    }


async def test_the_export_is_one_versioned_document_of_everything_the_caller_owns(client: TestClient) -> None:
    user, headers = await register(client, "alice", display_name="Alice")
    ids = await build_account(client, headers)

    resp, body = await export(client, headers)
    document = json.loads(body)

    assert resp.content_type == "application/json"
    assert resp.headers["Content-Disposition"] == Pattern_attachment("json")
    assert list(document) == [
        "format", "version", "exported_at", "profile", "resumes", "tags", "applications",
        "contacts", "reminders", "saved_jobs", "activity", "milestones",
    ]  # fmt: skip
    assert (document["format"], document["version"]) == ("offertracker-export", 1)
    assert document["exported_at"] == DATETIME
    assert document["profile"]["email"] == "alice@example.com"
    assert document["profile"]["display_name"] == "Alice"
    assert [r["id"] for r in document["resumes"]] == [ids["resume"]]
    assert document["resumes"][0]["file"] is None
    assert "user_id" not in document["resumes"][0]
    assert document["tags"] == [
        {"id": ids["tag"], "name": "Remote", "color": "#00ff00", "created_at": DATETIME}
    ]
    [app] = document["applications"]
    assert (app["id"], app["resume_version_id"], app["status"]) == (
        ids["application"],
        ids["resume"],
        "Offer",
    )
    assert [s["id"] for s in app["stages"]] == [ids["stage"]]
    assert app["stages"][0]["questions_asked"] == ["Why?"]
    assert app["outcome"]["salary"] == 120000
    assert app["reflection"]["skill_gaps"] == {"sql": 2}
    assert [d["id"] for d in app["documents"]] == [ids["document"]]
    assert [(t["tag_id"], t["application_id"]) for t in app["tags"]] == [(ids["tag"], ids["application"])]
    assert [c["id"] for c in document["contacts"]] == [ids["contact"]]
    assert [r["id"] for r in document["reminders"]] == [ids["reminder"]]
    assert [j["id"] for j in document["saved_jobs"]] == [ids["saved_job"]]
    assert {entry["action"] for entry in document["activity"]} >= {"Application Created"}
    names = [m["name"] for m in document["milestones"]]
    assert {"Getting Started", "First Application"} <= set(names)
    assert [m["reached_at"] for m in document["milestones"]] == sorted(
        m["reached_at"] for m in document["milestones"]
    )
    assert user["id"] == UUID_STR


def Pattern_attachment(extension: str) -> Any:
    from .httpkit import Pattern

    return Pattern(
        r'attachment; filename="offertracker-export-\d{4}-\d\d-\d\d\.' + extension + '"',
        f"<{extension} attachment>",
    )


async def test_another_users_data_never_appears_in_an_export(client: TestClient) -> None:
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    await build_account(client, bob)
    mine = await create_application(client, alice, company_name="Mine Inc")

    _, body = await export(client, alice)
    document = json.loads(body)

    assert [app["id"] for app in document["applications"]] == [mine["id"]]
    assert document["resumes"] == document["tags"] == document["contacts"] == []
    assert document["reminders"] == document["saved_jobs"] == []
    assert b"Initech" not in body
    assert b"Grace" not in body


async def test_an_export_without_a_token_is_refused(client: TestClient) -> None:
    resp = await client.get(f"{API}/account/export")
    assert resp.status == 401
    assert await resp.json() == {"detail": "Not authenticated"}


async def test_the_export_pages_through_more_applications_than_one_page(
    client: TestClient, make_app: Any
) -> None:
    from offertracker_core.services import account_data

    _, headers = await register(client, "alice")
    made = [await create_application(client, headers, company_name=f"Co {n}") for n in range(7)]
    page, account_data.EXPORT_PAGE = account_data.EXPORT_PAGE, 3
    try:
        _, body = await export(client, headers)
    finally:
        account_data.EXPORT_PAGE = page
    assert [app["id"] for app in json.loads(body)["applications"]] == [app["id"] for app in made]


async def test_the_zip_export_holds_the_document_and_the_uploaded_file_bytes(
    client: TestClient, db: sa.Engine
) -> None:
    _, headers = await register(client, "alice")
    resume = await create_resume(client, headers, version_name="CV")
    status, answer = await upload(client, headers, resume["id"], PDF_BYTES, filename="my cv.pdf")
    assert status == 200, answer

    resp, body = await export(client, headers, format="zip")

    assert resp.content_type == "application/zip"
    assert resp.headers["Content-Disposition"] == Pattern_attachment("zip")
    archive = zipfile.ZipFile(io.BytesIO(body))
    entry = f"files/{resume['id']}/my cv.pdf"
    assert archive.namelist() == [DOCUMENT_ENTRY, entry]
    assert archive.read(entry) == PDF_BYTES
    document = json.loads(archive.read(DOCUMENT_ENTRY))
    assert document["resumes"][0]["file"] == entry
    assert document["resumes"][0]["file_url"] == answer["file_url"]


async def test_the_csv_has_a_header_and_one_row_per_application_with_exact_values(client: TestClient) -> None:
    _, headers = await register(client, "alice")
    ids = await build_account(client, headers)
    await create_tag(client, headers, name="Big co")
    second = await create_application(
        client,
        headers,
        company_name='=HYPERLINK("http://evil")',
        role_title='Dev, "senior"\nline two',
        location="Zürich",
        work_mode="Remote",
        salary_min=90000,
        applied_source="LinkedIn",
        status="Applied",
        applied_date="2026-02-01",
        notes="+1 @mention -dash",
    )
    await add_stage(
        client, headers, second["id"], stage_name="Onsite", stage_date="2026-02-10", result="Passed"
    )
    await add_stage(client, headers, second["id"], stage_name="Screen", stage_date="2026-02-05")

    resp = await client.get(f"{API}/account/export/applications.csv", headers=headers)
    raw = await resp.read()

    assert resp.status == 200
    assert resp.content_type == "text/csv"
    assert resp.charset == "utf-8"
    assert b"\r\n" in raw
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert len(rows) == 2
    first, other = rows
    assert first["Company"] == "Acme"
    assert (first["Status"], first["Tags"], first["Last stage"], first["Outcome"]) == (
        "Offer", "Remote", "Phone screen", "Offer",
    )  # fmt: skip
    assert ids["application"]  # the first row is the first application made
    assert other == {
        "Company": '\'=HYPERLINK("http://evil")',
        "Role": 'Dev, "senior"\nline two',
        "Status": "Interviewing",
        "Applied date": "2026-02-01",
        "Follow-up date": "",
        "Created": other["Created"],
        "Updated": other["Updated"],
        "Salary min": "90000",
        "Salary max": "",
        "Currency": "USD",
        "Location": "Zürich",
        "Work mode": "Remote",
        "Job type": "",
        "Source": "LinkedIn",
        "Priority": "",
        "URL": "",
        "Notes": "'+1 @mention -dash",
        "Tags": "",
        "Last stage": "Onsite",
        "Last stage date": "2026-02-10",
        "Last stage result": "Passed",
        "Outcome": "",
    }
    assert other["Created"] == DATETIME
