"""``/imports``: importers turn URLs, queries and files into saved jobs through the real app.

Throwaway importers registered in a fixture read a little JSON job board served by
a real aiohttp server on 127.0.0.1 (so the app is told it may fetch private
addresses, except where a test checks that it refuses them). The shipped importer
packages are tested in ``plugins/*/tests`` and through entry points in
``test_installed_importers.py``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from offertracker_core.enums import JobType, WorkMode
from offertracker_core.importers import (
    FileInput,
    ImportContext,
    Importer,
    ImportInput,
    ItemFailure,
    JobRecord,
    PayPeriod,
    QueryInput,
    Salary,
    UrlInput,
)
from offertracker_core.plugins import create_plugin_manager, hookimpl
from offertracker_http.bootstrap import build_app
from offertracker_http.import_settings import ImportSettings

from .httpkit import API, BOUNDARY, call, register

JOBS = [
    {
        "id": "101",
        "company": "Acme",
        "title": "Backend Engineer",
        "url": "https://jobs.example.com/acme/101?utm_source=feed",
        "hourly": [50, 60],
        "remote": True,
    },
    {"id": "102", "company": "Acme", "title": "Data Engineer", "url": "https://jobs.example.com/acme/102"},
    {"id": "103", "company": "", "title": "Mystery Role", "url": "https://jobs.example.com/acme/103"},
]


async def read_board(source: ImportInput, ctx: ImportContext) -> AsyncIterator[JobRecord | ItemFailure]:
    """A tiny JSON board: ``{"jobs": [...]}`` at a URL, or at ``/boards/<query>`` for a query."""
    if isinstance(source, QueryInput):
        url = f"{BOARD_BASE[0]}/boards/{source.query}"
    else:
        assert isinstance(source, UrlInput)
        url = source.url
    page = await ctx.fetch(url, accept="application/json")
    import json

    for number, job in enumerate(json.loads(page.body)["jobs"], start=1):
        if not isinstance(job, dict):
            yield ItemFailure(f"posting {number}", "Not a posting")
            continue
        salary = None
        if "hourly" in job:
            salary = Salary(
                minimum=job["hourly"][0], maximum=job["hourly"][1], currency="usd", period=PayPeriod.HOUR
            )
        yield JobRecord(
            company=job.get("company"),
            role=job.get("title"),
            source="Example Board",
            url=job.get("url"),
            external_id=job.get("id"),
            work_mode=WorkMode.REMOTE if job.get("remote") else None,
            job_type=JobType.FULL_TIME,
            salary=salary,
            description="Build things.",
            item=f"posting {number}",
        )


async def read_lines(source: ImportInput, ctx: ImportContext) -> AsyncIterator[JobRecord | ItemFailure]:
    """``company,title,url`` lines from an uploaded ``.lines`` file, streamed."""
    assert isinstance(source, FileInput)
    buffer = b""
    row = 0
    async for chunk in source.chunks:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            row += 1
            company, title, url = line.decode().split(",")
            yield JobRecord(company=company, role=title, url=url, source="Lines", item=f"row {row}")


async def read_broken(source: ImportInput, ctx: ImportContext) -> AsyncIterator[JobRecord | ItemFailure]:
    yield JobRecord(company="Half", role="Way", source="Broken", url="https://broken.example/1")
    raise RuntimeError("importer bug")


BOARD_BASE: list[str] = [""]


class BoardPlugin:
    @hookimpl
    def offertracker_register_importers(self, register: Any) -> None:
        register(
            Importer(
                name="board",
                title="Example board",
                read=read_board,
                url_patterns=(r"/boards/",),
                query="board name",
            )
        )
        register(Importer(name="lines", title="Lines file", read=read_lines, file_types=(".lines",)))


class BrokenPlugin:
    @hookimpl
    def offertracker_register_importers(self, register: Any) -> None:
        register(Importer(name="broken", title="Broken", read=read_broken, url_patterns=(r"/broken",)))


class FailingRegistration:
    @hookimpl
    def offertracker_register_importers(self, register: Any) -> None:
        raise RuntimeError("registration bug")


@pytest.fixture
async def board() -> AsyncIterator[str]:
    """A JSON job board on 127.0.0.1: ``/boards/acme`` (JOBS), ``/boards/big`` (7 jobs)."""

    async def acme(request: web.Request) -> web.Response:
        return web.json_response({"jobs": JOBS})

    async def big(request: web.Request) -> web.Response:
        jobs = [{"id": str(n), "company": "Big", "title": f"Role {n}"} for n in range(7)]
        return web.json_response({"jobs": jobs})

    app = web.Application()
    app.add_routes([web.get("/boards/acme", acme), web.get("/boards/big", big)])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    BOARD_BASE[0] = f"http://127.0.0.1:{port}"
    yield BOARD_BASE[0]
    await runner.cleanup()


def make_client(aiohttp_client: Any, app_settings: Any, clock: Any, passwords: Any):
    async def make(**imports: Any) -> TestClient:
        pm = create_plugin_manager(load_entry_points=False)
        pm.register(BoardPlugin(), name="board-plugin")
        pm.register(BrokenPlugin(), name="broken-plugin")
        pm.register(FailingRegistration(), name="failing-registration")
        settings = attrs.evolve(
            app_settings, imports=ImportSettings(**{"allow_private_urls": True, **imports})
        )
        return await aiohttp_client(build_app(settings, clock=clock, passwords=passwords, plugins=pm))

    return make


@pytest.fixture
def importing(aiohttp_client, app_settings, clock, passwords):
    return make_client(aiohttp_client, app_settings, clock, passwords)


async def saved_jobs(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    return await call(client, "GET", "/saved-jobs/", headers, expect=200)


async def test_the_installed_importers_are_listed_with_their_inputs_and_plugins(importing, caplog):
    client = await importing()
    _, headers = await register(client, "alice")
    sources = await call(client, "GET", "/imports/sources", headers, expect=200)
    assert sources == [
        {
            "name": "board",
            "title": "Example board",
            "inputs": ["url", "query"],
            "query": "board name",
            "file_types": [],
            "plugin": "board-plugin",
        },
        {
            "name": "lines",
            "title": "Lines file",
            "inputs": ["file"],
            "query": None,
            "file_types": [".lines"],
            "plugin": "board-plugin",
        },
        {
            "name": "broken",
            "title": "Broken",
            "inputs": ["url"],
            "query": None,
            "file_types": [],
            "plugin": "broken-plugin",
        },
    ]
    [failure] = [r for r in caplog.records if "registration bug" in str(r.exc_info)]
    assert "failing-registration" in failure.getMessage()


async def test_a_url_import_saves_each_posting_and_reports_the_one_without_a_company(importing, board):
    client = await importing()
    _, headers = await register(client, "alice")
    report = await call(client, "POST", "/imports", headers, json={"url": f"{board}/boards/acme"}, expect=200)
    assert {key: report[key] for key in ("source", "created", "skipped", "failed", "limit_reached")} == {
        "source": "board",
        "created": 2,
        "skipped": 0,
        "failed": 1,
        "limit_reached": False,
    }
    assert report["errors"] == [{"item": "posting 3", "message": "Missing company: not imported"}]
    jobs = await saved_jobs(client, headers)
    assert sorted(job["id"] for job in jobs) == sorted(report["saved_job_ids"])
    backend = next(job for job in jobs if job["role_title"] == "Backend Engineer")
    assert {
        key: backend[key]
        for key in (
            "company_name",
            "url",
            "work_mode",
            "job_type",
            "salary_range_min",
            "salary_range_max",
            "salary_currency",
            "source",
            "status",
            "priority",
        )
    } == {
        "company_name": "Acme",
        "url": "https://jobs.example.com/acme/101?utm_source=feed",
        "work_mode": "Remote",
        "job_type": "Full-time",
        "salary_range_min": 104000,
        "salary_range_max": 124800,
        "salary_currency": "USD",
        "source": "Example Board",
        "status": "Active",
        "priority": "Medium",
    }
    assert backend["notes"] == "Salary as posted: 50–60 USD per hour\n\nBuild things."


async def test_importing_the_same_board_again_skips_every_posting_it_saved(importing, board):
    client = await importing()
    _, headers = await register(client, "alice")
    await call(client, "POST", "/imports", headers, json={"url": f"{board}/boards/acme"}, expect=200)
    again = await call(client, "POST", "/imports", headers, json={"url": f"{board}/boards/acme"}, expect=200)
    assert (again["created"], again["skipped"], again["failed"], again["saved_job_ids"]) == (0, 2, 1, [])
    assert len(await saved_jobs(client, headers)) == 2


async def test_a_posting_saved_by_hand_with_the_same_url_is_skipped(importing, board):
    client = await importing()
    _, headers = await register(client, "alice")
    body = {"company_name": "Acme", "url": "https://jobs.example.com/acme/102"}
    await call(client, "POST", "/saved-jobs/", headers, json=body, expect=201)
    report = await call(client, "POST", "/imports", headers, json={"url": f"{board}/boards/acme"}, expect=200)
    assert (report["created"], report["skipped"]) == (1, 1)


async def test_another_users_import_of_the_same_board_is_their_own(importing, board):
    client = await importing()
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    await call(client, "POST", "/imports", alice, json={"url": f"{board}/boards/acme"}, expect=200)
    report = await call(client, "POST", "/imports", bob, json={"url": f"{board}/boards/acme"}, expect=200)
    assert report["created"] == 2
    assert len(await saved_jobs(client, bob)) == 2


async def test_deleting_an_imported_job_lets_it_be_imported_again(importing, board):
    client = await importing()
    _, headers = await register(client, "alice")
    first = await call(client, "POST", "/imports", headers, json={"url": f"{board}/boards/acme"}, expect=200)
    await call(client, "DELETE", f"/saved-jobs/{first['saved_job_ids'][0]}", headers, expect=200)
    again = await call(client, "POST", "/imports", headers, json={"url": f"{board}/boards/acme"}, expect=200)
    assert (again["created"], again["skipped"]) == (1, 1)


async def test_two_simultaneous_imports_of_one_board_save_each_posting_once(importing, board):
    client = await importing()
    _, headers = await register(client, "alice")
    reports = await asyncio.gather(
        *(
            call(client, "POST", "/imports", headers, json={"url": f"{board}/boards/acme"}, expect=200)
            for _ in "ab"
        )
    )
    assert sorted(report["created"] for report in reports) == [0, 2]
    assert sorted(report["skipped"] for report in reports) == [0, 2]
    assert len(await saved_jobs(client, headers)) == 2


async def test_a_search_query_goes_to_the_named_source(importing, board):
    client = await importing()
    _, headers = await register(client, "alice")
    report = await call(
        client, "POST", "/imports", headers, json={"source": "board", "query": "acme"}, expect=200
    )
    assert (report["source"], report["created"]) == ("board", 2)


async def test_an_import_stops_reading_at_the_record_limit(importing, board):
    client = await importing(max_records=3)
    _, headers = await register(client, "alice")
    report = await call(client, "POST", "/imports", headers, json={"url": f"{board}/boards/big"}, expect=200)
    assert (report["created"], report["limit_reached"]) == (3, True)
    assert sorted(job["role_title"] for job in await saved_jobs(client, headers)) == [
        "Role 0",
        "Role 1",
        "Role 2",
    ]


def multipart(filename: str, data: bytes, source: str | None = None) -> tuple[bytes, dict[str, str]]:
    parts = b""
    if source is not None:
        parts += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="source"\r\n\r\n{source}\r\n'
        ).encode()
    parts += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = parts + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


async def test_an_uploaded_file_is_read_by_the_importer_of_its_type(importing):
    client = await importing()
    _, headers = await register(client, "alice")
    lines = b"".join(f"Co {n},Role {n},https://lines.example/{n}\n".encode() for n in range(4))
    body, form = multipart("jobs.lines", lines)
    report = await call(client, "POST", "/imports", {**headers, **form}, data=body, expect=200)
    assert (report["source"], report["created"], report["failed"]) == ("lines", 4, 0)


async def test_a_file_over_the_size_cap_stops_being_read_and_says_so(importing):
    client = await importing(max_bytes=1024)
    _, headers = await register(client, "alice")
    lines = b"".join(
        f"Company {n:04},Role {n:04},https://lines.example/{n:04}\n".encode() for n in range(100)
    )
    body, form = multipart("jobs.lines", lines, source="lines")
    report = await call(client, "POST", "/imports", {**headers, **form}, data=body, expect=200)
    assert report["errors"][-1] == {
        "item": "jobs.lines",
        "message": "The file is larger than 1 KiB; stopped reading it",
    }
    assert report["created"] == len(await saved_jobs(client, headers))
    assert report["created"] < 100


async def test_an_importer_that_raises_is_one_failed_item_and_is_logged_by_name(importing, board, caplog):
    client = await importing()
    _, headers = await register(client, "alice")
    with caplog.at_level(logging.ERROR):
        report = await call(client, "POST", "/imports", headers, json={"url": f"{board}/broken"}, expect=200)
    assert (report["created"], report["failed"]) == (1, 1)
    assert report["errors"] == [
        {"item": f"{board}/broken", "message": "The broken importer failed: RuntimeError"}
    ]
    [logged] = [r for r in caplog.records if "importer bug" in str(r.exc_info)]
    assert "'broken'" in logged.getMessage()


async def test_a_private_address_is_refused_as_a_failed_item_by_default(importing, board):
    client = await importing(allow_private_urls=False)
    _, headers = await register(client, "alice")
    url = f"{board}/boards/acme"
    report = await call(client, "POST", "/imports", headers, json={"url": url}, expect=200)
    assert report["errors"] == [{"item": url, "message": f"{url}: refused, a private or reserved address"}]
    assert (report["created"], report["failed"]) == (0, 1)
    assert await saved_jobs(client, headers) == []


async def test_a_board_that_answers_an_error_is_a_failed_item(importing, board):
    client = await importing()
    _, headers = await register(client, "alice")
    url = f"{board}/boards/missing"
    report = await call(client, "POST", "/imports", headers, json={"url": url}, expect=200)
    assert report["errors"] == [{"item": url, "message": f"{url} answered HTTP 404"}]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"url": "https://nowhere.example/x", "source": "nope"},
            "Unknown import source 'nope': GET /api/v1/imports/sources lists the installed ones",
        ),
        ({"query": "acme"}, "A search query needs a source: name the importer to search with"),
        ({"source": "lines", "query": "acme"}, "The lines importer does not take a query"),
        ({"url": "https://nowhere.example/x"}, "No installed importer handles this URL"),
    ],
)
async def test_a_request_no_importer_can_take_is_refused_whole(importing, body, detail):
    client = await importing()
    _, headers = await register(client, "alice")
    assert await call(client, "POST", "/imports", headers, json=body, expect=400) == {"detail": detail}
    assert await saved_jobs(client, headers) == []


async def test_a_file_no_importer_reads_is_refused(importing):
    client = await importing()
    _, headers = await register(client, "alice")
    body, form = multipart("jobs.xlsx", b"PK\x03\x04")
    answer = await call(client, "POST", "/imports", {**headers, **form}, data=body, expect=400)
    assert answer == {"detail": "No installed importer reads this type of file"}


@pytest.mark.parametrize("body", [{}, {"url": "https://a.example/", "query": "acme", "source": "board"}])
async def test_a_body_with_neither_or_both_of_url_and_query_is_a_422(importing, body):
    client = await importing()
    _, headers = await register(client, "alice")
    answer = await call(client, "POST", "/imports", headers, json=body, expect=422)
    [error] = answer["detail"]
    assert (error["type"], error["loc"], error["msg"]) == (
        "value_error",
        ["body"],
        "Value error, send either a url or a query (with its source), not both",
    )


async def test_a_multipart_body_without_a_file_is_a_422(importing):
    client = await importing()
    _, headers = await register(client, "alice")
    body = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="source"\r\n\r\nlines\r\n--{BOUNDARY}--\r\n'
    form = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    answer = await call(client, "POST", "/imports", {**headers, **form}, data=body.encode(), expect=422)
    assert answer == {
        "detail": [{"type": "missing", "loc": ["body", "file"], "msg": "Field required", "input": None}]
    }


async def test_imports_need_a_signed_in_caller(importing):
    client = await importing()
    resp = await client.post(f"{API}/imports", json={"url": "https://a.example/"})
    assert resp.status == 401
    resp = await client.get(f"{API}/imports/sources")
    assert resp.status == 401
