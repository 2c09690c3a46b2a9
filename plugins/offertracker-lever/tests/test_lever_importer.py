"""The Lever importer against a local server answering like the Postings API.

The server serves the recorded-format fixtures under ``fixtures/`` on the API's
own paths and query parameters (``mode``, the filters, ``group``), the global
instance at ``/`` and the EU one at ``/eu``, and notes every path it was asked
for. Requests go through the host's real ``GuardedFetcher`` (private addresses
allowed: the server is on 127.0.0.1).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path

import attrs
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aiohttp.typedefs import Handler

import offertracker_lever
from offertracker_core.enums import JobType, WorkMode
from offertracker_core.importers import (
    FileInput,
    ImportContext,
    Importer,
    ImportInput,
    ImportRefused,
    ItemFailure,
    JobRecord,
    PayPeriod,
    QueryInput,
    Salary,
    UrlInput,
)
from offertracker_core.plugins import create_plugin_manager
from offertracker_http.fetching import GuardedFetcher
from offertracker_lever import (
    IMPORTER,
    company_from_site,
    description_from,
    make_importer,
    record_from,
    salary_from,
)

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]

FIXTURES = Path(__file__).parent / "fixtures"
EU_SITES = frozenset({"nordlys-energi"})
FILTERS = ("team", "location", "commitment", "department")

PLATFORM_ID = "5f3c1a9e-8b2d-4c7e-9f10-2a6b4d8e0c11"
PLATFORM_URL = f"https://jobs.lever.co/kestrel-labs/{PLATFORM_ID}"
NORDLYS_ID = "7b4e2c10-3a5f-4d98-b1c6-2f8e0a9d4b51"


def fixture(name: str) -> object:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def not_found() -> web.Response:
    return web.json_response({"ok": False, "error": "Document not found"}, status=404)


def html_list() -> web.Response:
    return web.Response(body=(FIXTURES / "garbled.html").read_bytes(), content_type="text/html")


def lever_api(seen: list[str]) -> web.Application:
    """A stand-in for api.lever.co (at ``/``) and api.eu.lever.co (at ``/eu``) serving the fixtures."""

    @web.middleware
    async def note(request: web.Request, handler: Handler) -> web.StreamResponse:
        seen.append(request.path_qs)
        return await handler(request)

    def site_postings(request: web.Request) -> list[dict[str, object]] | None:
        site = request.match_info["site"]
        path = FIXTURES / f"postings-{site}.json"
        if (site in EU_SITES) != request.path.startswith("/eu/") or not path.exists():
            return None  # each site lives on one instance only
        data = fixture(path.name)
        assert isinstance(data, list)
        return data

    async def postings(request: web.Request) -> web.Response:
        site = request.match_info["site"]
        if site == "garbled":
            return html_list()
        if site == "odd":
            return web.json_response({"postings": "none"})
        if site == "erroring":  # Lever's error shape, had it come with a 200
            return web.json_response({"ok": False, "error": "Document not found"})
        data = site_postings(request)
        if data is None:
            return not_found()
        if request.query.get("mode") != "json":
            return html_list()
        for key in FILTERS:
            if key in request.query:
                wanted = request.query.getall(key)
                data = [p for p in data if not isinstance(p, dict) or p["categories"].get(key) in wanted]  # type: ignore[union-attr]
        group = request.query.get("group")
        if group:
            groups: dict[str, list[object]] = {}
            for posting in data:
                assert isinstance(posting, dict)
                groups.setdefault(posting["categories"][group], []).append(posting)  # type: ignore[index]
            return web.json_response([{"title": title, "postings": items} for title, items in groups.items()])
        return web.json_response(data)

    async def one(request: web.Request) -> web.Response:
        data = site_postings(request) or []
        for posting in data:
            if isinstance(posting, dict) and posting.get("id") == request.match_info["posting_id"]:
                return web.json_response(posting)
        return not_found()

    app = web.Application(middlewares=[note])
    for prefix in ("", "/eu"):
        app.add_routes(
            [
                web.get(prefix + "/v0/postings/{site}", postings),
                web.get(prefix + "/v0/postings/{site}/{posting_id}", one),
            ]
        )
    return app


@pytest.fixture
def seen() -> list[str]:
    return []


@pytest.fixture
async def base(aiohttp_server: ServerFactory, seen: list[str]) -> str:
    server = await aiohttp_server(lever_api(seen))
    return f"http://127.0.0.1:{server.port}"


@pytest.fixture
def importer(base: str) -> Importer:
    return make_importer(api_base=base, eu_api_base=f"{base}/eu")


async def read_all(importer: Importer, source: ImportInput) -> list[JobRecord | ItemFailure]:
    async with GuardedFetcher(allow_private=True) as fetcher:
        return [item async for item in importer.read(source, ImportContext(fetcher))]


PLATFORM = JobRecord(
    company="Kestrel Labs",
    role="Senior Platform Engineer",
    source="Lever",
    url=PLATFORM_URL,
    external_id=PLATFORM_ID,
    location="San Francisco, CA",
    job_type=JobType.FULL_TIME,
    work_mode=WorkMode.HYBRID,
    salary=Salary(minimum=180000.0, maximum=230000.0, currency="USD", period=PayPeriod.YEAR),
    description=(
        "Kestrel Labs builds autopilots for cargo drones.\n\n"
        "You will join the platform team that keeps our fleet online.\n\n"
        "What you'll do\n- Run the Kubernetes fleet\n- Own on-call tooling\n\n"
        "Requirements\n- 5+ years with Go or Rust\n- Postgres at scale\n\n"
        "Kestrel Labs is an equal opportunity employer."
    ),
    posted=date(2026, 7, 14),
    item=PLATFORM_URL,
)
SUPPORT = JobRecord(
    company="Kestrel Labs",
    role="Customer Support Specialist",
    source="Lever",
    url="https://jobs.lever.co/kestrel-labs/8a0e6c42-1d3f-4b59-a7c8-3e9f0b2d6a77",
    external_id="8a0e6c42-1d3f-4b59-a7c8-3e9f0b2d6a77",
    location="Remote - Canada",
    job_type=JobType.CONTRACT,
    work_mode=WorkMode.REMOTE,
    salary=Salary(minimum=28.5, maximum=34.0, currency="CAD", period=PayPeriod.HOUR),
    description="Answer operators' questions by chat and phone.",
    posted=date(2026, 8, 3),
    item="https://jobs.lever.co/kestrel-labs/8a0e6c42-1d3f-4b59-a7c8-3e9f0b2d6a77",
)
KESTREL = [
    PLATFORM,
    SUPPORT,
    JobRecord(
        company="Kestrel Labs",
        role="Field Robotics Technician",
        source="Lever",
        url="https://jobs.lever.co/kestrel-labs/c2b7d913-5e4a-4f86-b0d2-71a8e3c5f904",
        external_id="c2b7d913-5e4a-4f86-b0d2-71a8e3c5f904",
        location="Remote - US",
        job_type=JobType.FULL_TIME,
        work_mode=WorkMode.REMOTE,  # workplaceType "unspecified": the location says it
        salary=None,
        description="Travel to customer depots and keep drones flying.\n\nRequirements\n- A driving licence",
        posted=date(2026, 8, 21),
        item="https://jobs.lever.co/kestrel-labs/c2b7d913-5e4a-4f86-b0d2-71a8e3c5f904",
    ),
    JobRecord(
        company="Kestrel Labs",
        role=None,
        source="Lever",
        url="https://jobs.lever.co/kestrel-labs/e41f0a86-9c27-4d3b-8e15-b6d0f2a47c39",
        external_id="e41f0a86-9c27-4d3b-8e15-b6d0f2a47c39",
        location="Austin, TX",
        job_type=JobType.FULL_TIME,
        work_mode=WorkMode.ON_SITE,
        salary=None,
        description=None,
        posted=date(2026, 9, 1),
        item="https://jobs.lever.co/kestrel-labs/e41f0a86-9c27-4d3b-8e15-b6d0f2a47c39",
    ),
    JobRecord(
        company="Kestrel Labs",
        role="Hardware Engineering Intern",
        source="Lever",
        url="https://jobs.lever.co/kestrel-labs/0d9a3f57-b6e1-4c28-9a74-e5c1b8f2d063",
        external_id="0d9a3f57-b6e1-4c28-9a74-e5c1b8f2d063",
        location="Berlin, Germany",
        job_type=JobType.INTERNSHIP,
        work_mode=WorkMode.ON_SITE,
        salary=Salary(minimum=2200.0, maximum=2600.0, currency="EUR", period=PayPeriod.MONTH),
        description="Six months building test rigs in our Berlin lab.",
        posted=date(2026, 9, 15),
        item="https://jobs.lever.co/kestrel-labs/0d9a3f57-b6e1-4c28-9a74-e5c1b8f2d063",
    ),
]
NORDLYS = JobRecord(
    company="Nordlys Energi",
    role="Backend-utvikler",
    source="Lever",
    url=f"https://jobs.eu.lever.co/nordlys-energi/{NORDLYS_ID}",
    external_id=NORDLYS_ID,
    location="Oslo",
    job_type=None,  # "Fast ansatt" is no job type the helpers know
    work_mode=WorkMode.HYBRID,
    salary=Salary(minimum=750000.0, maximum=900000.0, currency="NOK", period=PayPeriod.YEAR),
    description="Vi bygger programvare for smarte strømnett.",
    posted=date(2026, 6, 2),
    item=f"https://jobs.eu.lever.co/nordlys-energi/{NORDLYS_ID}",
)


# --- the input forms -----------------------------------------------------------------


async def test_a_site_name_reads_every_posting_with_each_field_mapped(
    importer: Importer, seen: list[str]
) -> None:
    found = await read_all(importer, QueryInput(" kestrel-labs "))

    assert found == KESTREL
    assert seen == ["/v0/postings/kestrel-labs?mode=json"]


@pytest.mark.parametrize(
    ("path", "fetched"),
    [
        ("/v0/postings/kestrel-labs", "/v0/postings/kestrel-labs?mode=json"),
        ("/v0/postings/kestrel-labs/", "/v0/postings/kestrel-labs?mode=json"),
        ("/v0/postings/kestrel-labs?mode=json", "/v0/postings/kestrel-labs?mode=json"),
        ("/v0/postings/kestrel-labs?mode=html", "/v0/postings/kestrel-labs?mode=json"),
        ("/v0/postings/kestrel-labs?skip=0&limit=50", "/v0/postings/kestrel-labs?skip=0&limit=50&mode=json"),
    ],
)
async def test_an_api_list_url_is_always_fetched_in_json_mode(
    importer: Importer, base: str, seen: list[str], path: str, fetched: str
) -> None:
    found = await read_all(importer, UrlInput(base + path))

    assert found == KESTREL
    assert seen == [fetched]


@pytest.mark.parametrize(
    "url",
    [
        "https://jobs.lever.co/kestrel-labs",
        "https://jobs.lever.co/kestrel-labs/",
        "http://jobs.lever.co/kestrel-labs?lever-via=x3Yb",
    ],
)
async def test_a_job_site_page_is_read_through_its_postings_api_address(
    importer: Importer, seen: list[str], url: str
) -> None:
    found = await read_all(importer, UrlInput(url))

    assert found == KESTREL
    assert seen == ["/v0/postings/kestrel-labs?mode=json"]


async def test_a_filtered_job_site_page_reads_the_same_filtered_postings(
    importer: Importer, seen: list[str]
) -> None:
    found = await read_all(
        importer, UrlInput("https://jobs.lever.co/kestrel-labs?team=Platform&lever-source=LinkedIn")
    )

    assert found == [PLATFORM]
    assert seen == ["/v0/postings/kestrel-labs?team=Platform&mode=json"]


async def test_postings_grouped_by_team_are_read_out_of_their_groups(importer: Importer, base: str) -> None:
    found = await read_all(importer, UrlInput(f"{base}/v0/postings/kestrel-labs?group=team"))

    assert found == KESTREL


async def test_a_single_posting_api_url_answers_that_posting(
    importer: Importer, base: str, seen: list[str]
) -> None:
    found = await read_all(importer, UrlInput(f"{base}/v0/postings/kestrel-labs/{PLATFORM_ID}"))

    assert found == [PLATFORM]
    assert seen == [f"/v0/postings/kestrel-labs/{PLATFORM_ID}"]


@pytest.mark.parametrize("url", [PLATFORM_URL, f"{PLATFORM_URL}/", f"{PLATFORM_URL}/apply?lever-source=x"])
async def test_a_posting_page_or_its_application_form_reads_that_one_posting(
    importer: Importer, seen: list[str], url: str
) -> None:
    found = await read_all(importer, UrlInput(url))

    assert found == [PLATFORM]
    assert seen == [f"/v0/postings/kestrel-labs/{PLATFORM_ID}"]


async def test_an_eu_job_site_page_is_read_from_the_eu_instance(importer: Importer, seen: list[str]) -> None:
    found = await read_all(importer, UrlInput("https://jobs.eu.lever.co/nordlys-energi"))

    assert found == [NORDLYS]
    assert seen == ["/eu/v0/postings/nordlys-energi?mode=json"]


async def test_an_eu_posting_page_is_read_from_the_eu_instance(importer: Importer, seen: list[str]) -> None:
    found = await read_all(importer, UrlInput(f"https://jobs.eu.lever.co/nordlys-energi/{NORDLYS_ID}"))

    assert found == [NORDLYS]
    assert seen == [f"/eu/v0/postings/nordlys-energi/{NORDLYS_ID}"]


# --- what goes wrong -----------------------------------------------------------------


async def test_a_posting_that_is_not_an_object_is_a_failure_and_the_postings_around_it_come_through(
    importer: Importer,
) -> None:
    found = await read_all(importer, QueryInput("broken"))

    assert found == [
        attrs.evolve(PLATFORM, company="Broken"),  # the company is the site's name
        ItemFailure("posting 2", "Not a Lever posting: not a JSON object"),
        attrs.evolve(SUPPORT, company="Broken"),
    ]


async def test_a_body_that_is_not_json_is_one_failure_naming_the_address(
    importer: Importer, base: str
) -> None:
    found = await read_all(importer, QueryInput("garbled"))

    assert found == [
        ItemFailure(
            f"{base}/v0/postings/garbled?mode=json", "Not JSON: Expecting value: line 1 column 1 (char 0)"
        )
    ]


@pytest.mark.parametrize(
    ("site", "message"),
    [
        ("odd", "Not a Lever postings list: expected a JSON list"),
        ("erroring", "Lever answered: Document not found"),
    ],
)
async def test_json_that_is_no_postings_list_is_one_failure_naming_the_address(
    importer: Importer, base: str, site: str, message: str
) -> None:
    found = await read_all(importer, QueryInput(site))

    assert found == [ItemFailure(f"{base}/v0/postings/{site}?mode=json", message)]


async def test_an_unknown_site_is_refused_with_the_apis_http_status(importer: Importer, base: str) -> None:
    with pytest.raises(ImportRefused) as refused:
        await read_all(importer, QueryInput("nosuchsite"))

    assert str(refused.value) == f"{base}/v0/postings/nosuchsite?mode=json answered HTTP 404"


async def test_an_unknown_posting_is_refused_with_the_apis_http_status(importer: Importer, base: str) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(ImportRefused) as refused:
        await read_all(importer, UrlInput(f"https://jobs.lever.co/kestrel-labs/{missing}"))

    assert str(refused.value) == f"{base}/v0/postings/kestrel-labs/{missing} answered HTTP 404"


async def no_chunks() -> AsyncIterator[bytes]:
    yield b"title\n"


NOT_LEVER = "not a Lever job-site address (expected https://jobs.lever.co/<site> or https://api.lever.co/v0/postings/<site>)"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            QueryInput("kestrel labs"),
            "'kestrel labs' is not a Lever site name (the name after jobs.lever.co/)",
        ),
        (UrlInput("https://example.com/careers"), f"https://example.com/careers: {NOT_LEVER}"),
        (UrlInput("https://jobs.lever.co/"), f"https://jobs.lever.co/: {NOT_LEVER}"),
        (
            UrlInput("https://jobs.lever.co/kestrel-labs/apply"),
            f"https://jobs.lever.co/kestrel-labs/apply: {NOT_LEVER}",
        ),
        (UrlInput("jobs.lever.co/kestrel-labs"), "jobs.lever.co/kestrel-labs: not a web address"),
        (
            FileInput("postings.json", no_chunks()),
            "The Lever importer reads a job-site address or a site name, not a file",
        ),
    ],
)
async def test_an_input_that_names_no_lever_site_is_refused_before_any_fetch(
    importer: Importer, seen: list[str], source: ImportInput, message: str
) -> None:
    with pytest.raises(ImportRefused) as refused:
        await read_all(importer, source)

    assert str(refused.value) == message
    assert seen == []


@pytest.mark.parametrize(
    ("site", "company"),
    [
        ("kestrel-labs", "Kestrel Labs"),
        ("leverdemo", "Leverdemo"),
        ("dbt_labs", "Dbt Labs"),
        ("AcmeCo", "AcmeCo"),
    ],
)
def test_the_company_is_the_site_name_made_readable(site: str, company: str) -> None:
    assert company_from_site(site) == company


@pytest.mark.parametrize(
    ("salary_range", "salary"),
    [
        (
            {"min": 900, "max": 1100, "currency": "gbp", "interval": "per-week-salary"},
            Salary(minimum=900.0, maximum=1100.0, currency="GBP", period=PayPeriod.WEEK),
        ),
        (
            {"min": 350, "currency": "USD", "interval": "per-day-wage"},
            Salary(minimum=350.0, maximum=None, currency="USD", period=PayPeriod.DAY),
        ),
        ({"max": 120000}, Salary(minimum=None, maximum=120000.0, currency=None, period=PayPeriod.YEAR)),
        ({"min": 5000, "max": 5000, "currency": "USD", "interval": "one-time"}, None),
        ({"min": True, "max": float("inf"), "interval": "per-year-salary"}, None),
        ({"min": -1, "max": "100"}, None),
        ("USD 100k", None),
    ],
)
def test_a_salary_range_keeps_the_period_its_interval_names(
    salary_range: object, salary: Salary | None
) -> None:
    assert salary_from(salary_range) == salary


def test_the_description_falls_back_to_the_html_parts_when_plain_ones_are_missing() -> None:
    posting = {
        "description": "<div><b>Hi</b> there</div><ul><li>one</li></ul>",
        "lists": [{"text": "Perks", "content": ""}, "x", {"text": "", "content": "<li>Bikes</li>"}],
        "additional": "<p>Bye</p>",
    }

    assert description_from(posting) == "Hi there\n\none\n\nPerks\n\n- Bikes\n\nBye"


def test_odd_field_types_in_a_posting_become_empty_fields_not_errors() -> None:
    posting = {
        "id": 7,
        "text": ["Engineer"],
        "hostedUrl": {"href": "x"},
        "categories": "Full-time",
        "workplaceType": None,
        "salaryRange": [],
        "descriptionPlain": 3,
        "lists": {"text": "x"},
        "createdAt": "yesterday",
    }

    assert record_from(posting, company="Kestrel Labs", where="posting 4") == JobRecord(
        company="Kestrel Labs",
        role=None,
        source="Lever",
        url=None,
        external_id=None,
        location=None,
        job_type=None,
        work_mode=None,
        salary=None,
        description=None,
        posted=None,
        item="posting 4",
    )


def test_a_posting_with_only_all_locations_lists_them_all() -> None:
    posting = {"categories": {"allLocations": ["Oslo", "", "Bergen"]}}

    assert record_from(posting, company=None, where="posting 1").location == "Oslo; Bergen"


# --- what the importer claims and how it is found --------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://api.lever.co/v0/postings/kestrel-labs",
        "https://api.lever.co/v0/postings/kestrel-labs?mode=json",
        f"https://api.lever.co/v0/postings/kestrel-labs/{PLATFORM_ID}",
        "https://api.eu.lever.co/v0/postings/nordlys-energi?mode=json",
        "https://jobs.lever.co/kestrel-labs",
        "http://jobs.lever.co/kestrel-labs/?team=Platform",
        PLATFORM_URL,
        f"{PLATFORM_URL}/apply",
        f"https://jobs.eu.lever.co/nordlys-energi/{NORDLYS_ID}",
    ],
)
def test_lever_api_and_job_site_urls_are_claimed(url: str) -> None:
    assert IMPORTER.handles_url(url) is True


@pytest.mark.parametrize(
    "url",
    [
        "https://api.lever.co/v1/postings",
        "https://api.lever.co/v0/postings/",
        "https://jobs.lever.co/",
        "https://jobs.lever.co/kestrel-labs/apply",
        "https://jobs.lever.co/kestrel-labs/not-a-posting",
        "https://jobs.lever.co.evil.example/kestrel-labs",
        "https://www.lever.co/customers",
        "https://boards.greenhouse.io/kestrel-labs",
        "https://example.com/?next=https://jobs.lever.co/kestrel-labs",
    ],
)
def test_other_urls_are_not_claimed(url: str) -> None:
    assert IMPORTER.handles_url(url) is False


def test_the_importer_describes_itself_as_a_url_and_site_name_importer() -> None:
    assert (IMPORTER.name, IMPORTER.title, IMPORTER.inputs, IMPORTER.catch_all) == (
        "lever",
        "Lever postings",
        ("url", "query"),
        False,
    )
    assert IMPORTER.query == "Lever site name (the name after jobs.lever.co/)"


def test_the_plugin_registers_the_lever_importer_through_pluggy() -> None:
    pm = create_plugin_manager(load_entry_points=False)
    pm.register(offertracker_lever)
    found: list[Importer] = []

    pm.hook.offertracker_register_importers(register=found.append)

    assert found == [IMPORTER]
