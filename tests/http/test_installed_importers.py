"""The importer packages of ``plugins/``, found through their entry points, behind the real API.

``make_app`` builds the app as the server does (``create_plugin_manager()`` loads every
installed ``offertracker`` entry point), so this is entry-point discovery plus the
whole path: upload or URL → importer → mapping → saved jobs, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from offertracker_http.import_settings import ImportSettings

from .httpkit import BOUNDARY, call, register

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
JOBSPY_CSV = PLUGINS / "offertracker-jobspy" / "tests" / "fixtures" / "jobs.csv"
POSTING_PAGE = PLUGINS / "offertracker-jsonld" / "tests" / "fixtures" / "posting.html"


@pytest.fixture
async def client(aiohttp_client: Any, make_app: Any) -> Any:
    return await aiohttp_client(make_app(imports=ImportSettings(allow_private_urls=True)))


@pytest.fixture
async def careers_page(aiohttp_server: Any) -> str:
    async def page(request: web.Request) -> web.Response:
        return web.Response(body=POSTING_PAGE.read_bytes(), content_type="text/html")

    app = web.Application()
    app.router.add_get("/careers/posting", page)
    server = await aiohttp_server(app)
    return f"http://127.0.0.1:{server.port}/careers/posting"


async def test_the_four_shipped_importers_are_found_through_their_entry_points(client: Any) -> None:
    _, headers = await register(client, "alice")
    sources = await call(client, "GET", "/imports/sources", headers, expect=200)
    found = {source["name"]: (source["plugin"], source["inputs"]) for source in sources}
    assert found == {
        "greenhouse": ("greenhouse", ["url", "query"]),
        "lever": ("lever", ["url", "query"]),
        "jsonld": ("jsonld", ["url"]),
        "jobspy": ("jobspy", ["file"]),
    }


async def test_an_uploaded_jobspy_csv_becomes_saved_jobs_and_names_its_bad_rows(client: Any) -> None:
    _, headers = await register(client, "alice")
    body = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="jobs.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + JOBSPY_CSV.read_bytes()
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    form = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    report = await call(client, "POST", "/imports", {**headers, **form}, data=body, expect=200)
    assert (report["source"], report["created"], report["skipped"], report["failed"]) == ("jobspy", 4, 0, 2)
    assert report["errors"] == [
        {"item": "row 5", "message": 'min_amount is not a number: "competitive"'},
        {"item": "row 6", "message": "Missing company: not imported"},
    ]
    jobs = await call(client, "GET", "/saved-jobs/", headers, expect=200)
    assert sorted(job["id"] for job in jobs) == sorted(report["saved_job_ids"])
    first = next(job for job in jobs if job["company_name"] == "AMERICAN SYSTEMS")
    assert (first["salary_range_min"], first["salary_range_max"], first["source"], first["job_type"]) == (
        150000,
        200000,
        "Indeed",
        "Full-time",
    )


async def test_a_careers_page_is_imported_once_by_its_url(client: Any, careers_page: str) -> None:
    _, headers = await register(client, "alice")
    first = await call(client, "POST", "/imports", headers, json={"url": careers_page}, expect=200)
    again = await call(client, "POST", "/imports", headers, json={"url": careers_page}, expect=200)
    assert (first["source"], first["created"], first["failed"]) == ("jsonld", 1, 0)
    assert (again["created"], again["skipped"]) == (0, 1)
