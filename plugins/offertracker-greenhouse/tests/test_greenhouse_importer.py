"""The Greenhouse importer against a local server answering like the Job Board API.

The server serves the recorded-format fixtures under ``fixtures/`` on the API's
own paths and query parameters, and notes every path it was asked for, so a
test can tell exactly which addresses the importer fetched. Requests go through
the host's real ``GuardedFetcher`` (private addresses allowed: the server is on
127.0.0.1).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aiohttp.typedefs import Handler

import offertracker_greenhouse
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
from offertracker_greenhouse import IMPORTER, make_importer, record_from, salary_from
from offertracker_http.fetching import GuardedFetcher

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]

FIXTURES = Path(__file__).parent / "fixtures"

LISTS = {
    "northwind": "jobs-northwind.json",
    "tallyho": "jobs-tallyho.json",
    "nameless": "jobs-tallyho.json",  # a board whose own record is missing
    "unnamed": "jobs-tallyho.json",  # a board whose record has no name
    "broken": "jobs-broken.json",
}
BOARDS = {"tallyho": "board-tallyho.json"}
# What the list leaves out without ?content=true (Greenhouse's documentation, "List jobs").
CONTENT_ONLY = ("content", "departments", "offices")

BACKEND_URL = "https://www.northwindrobotics.com/careers/?gh_jid=4012345007"
BACKEND_TEXT = (
    "About Northwind\n\nWe build warehouse robots that R&D teams love.\n\n"
    "What you will do\n\nDesign the fleet API\n\nOwn Postgres & Kafka pipelines"
)


def fixture(name: str) -> object:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def not_found() -> web.Response:
    return web.json_response({"status": 404, "error": "Not found"}, status=404)


def greenhouse_api(seen: list[str]) -> web.Application:
    """A stand-in for boards-api.greenhouse.io serving the fixtures."""

    @web.middleware
    async def note(request: web.Request, handler: Handler) -> web.StreamResponse:
        seen.append(request.path_qs)
        return await handler(request)

    async def jobs(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if token == "garbled":
            return web.Response(body=(FIXTURES / "garbled.html").read_bytes(), content_type="text/html")
        if token == "odd":
            return web.json_response({"status": "ok"})
        if token not in LISTS:
            return not_found()
        data = fixture(LISTS[token])
        if request.query.get("content") != "true":
            assert isinstance(data, dict)
            data["jobs"] = [
                {key: value for key, value in job.items() if key not in CONTENT_ONLY}
                if isinstance(job, dict)
                else job
                for job in data["jobs"]
            ]
        return web.json_response(data)

    async def job(request: web.Request) -> web.Response:
        path = FIXTURES / f"job-{request.match_info['job_id']}.json"
        if request.match_info["token"] != "northwind" or not path.exists():
            return not_found()
        data = fixture(path.name)
        assert isinstance(data, dict)
        if request.query.get("pay_transparency") != "true":
            data.pop("pay_input_ranges", None)
        return web.json_response(data)

    async def board(request: web.Request) -> web.Response:
        if request.match_info["token"] == "unnamed":
            return web.json_response({"name": "", "content": ""})
        name = BOARDS.get(request.match_info["token"])
        return web.json_response(fixture(name)) if name else not_found()

    app = web.Application(middlewares=[note])
    app.add_routes(
        [
            web.get("/v1/boards/{token}/jobs", jobs),
            web.get("/v1/boards/{token}/jobs/{job_id}", job),
            web.get("/v1/boards/{token}", board),
        ]
    )
    return app


@pytest.fixture
def seen() -> list[str]:
    return []


@pytest.fixture
async def base(aiohttp_server: ServerFactory, seen: list[str]) -> str:
    server = await aiohttp_server(greenhouse_api(seen))
    return f"http://127.0.0.1:{server.port}"


@pytest.fixture
def importer(base: str) -> Importer:
    return make_importer(api_base=base)


async def read_all(importer: Importer, source: ImportInput) -> list[JobRecord | ItemFailure]:
    async with GuardedFetcher(allow_private=True) as fetcher:
        return [item async for item in importer.read(source, ImportContext(fetcher))]


NORTHWIND = [
    JobRecord(
        company="Northwind Robotics",
        role="Senior Backend Engineer",
        source="Greenhouse",
        url=BACKEND_URL,
        external_id="4012345007",
        location="New York, NY",
        job_type=JobType.FULL_TIME,
        work_mode=WorkMode.HYBRID,
        salary=None,
        description=BACKEND_TEXT,
        posted=date(2026, 8, 30),
        item=BACKEND_URL,
    ),
    JobRecord(
        company="Northwind Robotics",
        role="Staff Data Engineer",
        source="Greenhouse",
        url="https://job-boards.greenhouse.io/northwind/jobs/4012346007",
        external_id="4012346007",
        location="Remote - US",
        job_type=None,
        work_mode=WorkMode.REMOTE,
        salary=None,
        description="Own the telemetry lake. Work from anywhere in the US.",
        posted=date(2026, 9, 2),
        item="https://job-boards.greenhouse.io/northwind/jobs/4012346007",
    ),
    JobRecord(
        company="Northwind Robotics",
        role="Robotics Field Technician",
        source="Greenhouse",
        url="https://job-boards.greenhouse.io/northwind/jobs/4012347007",
        external_id="4012347007",
        location="Pittsburgh, PA",
        job_type=JobType.CONTRACT,
        work_mode=None,
        salary=None,
        description="Keep our robots rolling on customer sites.",
        posted=date(2026, 9, 21),
        item="https://job-boards.greenhouse.io/northwind/jobs/4012347007",
    ),
    JobRecord(
        company="Northwind Robotics",
        role=None,
        source="Greenhouse",
        url="https://job-boards.greenhouse.io/northwind/jobs/4012348007",
        external_id="4012348007",
        location="New York, NY",
        job_type=None,
        work_mode=None,
        salary=None,
        description=None,
        posted=date(2026, 9, 22),
        item="https://job-boards.greenhouse.io/northwind/jobs/4012348007",
    ),
    JobRecord(
        company="Northwind Robotics",
        role="Mechanical Engineering Intern (Summer 2027)",
        source="Greenhouse",
        url="https://job-boards.greenhouse.io/northwind/jobs/4012349007",
        external_id="4012349007",
        location="Hybrid - Boston, MA",
        job_type=JobType.INTERNSHIP,
        work_mode=WorkMode.HYBRID,
        salary=None,
        description="Twelve weeks on the gripper team.",
        posted=date(2026, 9, 23),
        item="https://job-boards.greenhouse.io/northwind/jobs/4012349007",
    ),
]


# --- the input forms -----------------------------------------------------------------


async def test_a_board_token_reads_every_job_of_the_board_with_each_field_mapped(
    importer: Importer, seen: list[str]
) -> None:
    found = await read_all(importer, QueryInput(" northwind "))

    assert found == NORTHWIND
    assert seen == ["/v1/boards/northwind/jobs?content=true"]  # company_name on every job: no board lookup


@pytest.mark.parametrize(
    ("path", "fetched"),
    [
        ("/v1/boards/northwind/jobs", "/v1/boards/northwind/jobs?content=true"),
        ("/v1/boards/northwind/jobs?content=true", "/v1/boards/northwind/jobs?content=true"),
        ("/v1/boards/northwind/jobs/?content=true", "/v1/boards/northwind/jobs?content=true"),
    ],
)
async def test_an_api_list_url_is_fetched_with_content_true_so_descriptions_come(
    importer: Importer, base: str, seen: list[str], path: str, fetched: str
) -> None:
    found = await read_all(importer, UrlInput(base + path))

    assert found == NORTHWIND
    assert seen == [fetched]


@pytest.mark.parametrize(
    "url",
    [
        "https://boards.greenhouse.io/northwind",
        "https://job-boards.greenhouse.io/northwind",
        "https://job-boards.greenhouse.io/northwind/",
        "https://job-boards.greenhouse.io/northwind?gh_src=linkedin",
        "https://boards.greenhouse.io/northwind/jobs",
        "https://boards.greenhouse.io/embed/job_board?for=northwind&b=https%3A%2F%2Fnorthwind.example",
    ],
)
async def test_a_board_page_url_is_read_through_the_boards_api_address(
    importer: Importer, seen: list[str], url: str
) -> None:
    found = await read_all(importer, UrlInput(url))

    assert found == NORTHWIND
    assert seen == ["/v1/boards/northwind/jobs?content=true"]


async def test_a_single_job_api_url_answers_that_job_with_its_first_posted_pay_range(
    importer: Importer, base: str, seen: list[str]
) -> None:
    url = f"{base}/v1/boards/northwind/jobs/4012345007"

    found = await read_all(importer, UrlInput(url))

    assert found == [
        JobRecord(
            company="Northwind Robotics",
            role="Senior Backend Engineer",
            source="Greenhouse",
            url=BACKEND_URL,
            external_id="4012345007",
            location="New York, NY",
            job_type=JobType.FULL_TIME,
            work_mode=WorkMode.HYBRID,
            salary=Salary(minimum=165000.0, maximum=210000.0, currency="USD", period=PayPeriod.YEAR),
            description=BACKEND_TEXT,
            posted=date(2026, 8, 30),
            item=BACKEND_URL,
        )
    ]
    assert seen == ["/v1/boards/northwind/jobs/4012345007?pay_transparency=true"]


@pytest.mark.parametrize(
    "url",
    [
        "https://job-boards.greenhouse.io/northwind/jobs/4012347007",
        "https://boards.greenhouse.io/northwind/jobs/4012347007?gh_jid=4012347007",
        "https://boards.greenhouse.io/embed/job_app?for=northwind&token=4012347007",
    ],
)
async def test_a_job_page_url_reads_that_one_job_and_an_hourly_range_stays_hourly(
    importer: Importer, seen: list[str], url: str
) -> None:
    found = await read_all(importer, UrlInput(url))

    assert found == [
        JobRecord(
            company="Northwind Robotics",
            role="Robotics Field Technician",
            source="Greenhouse",
            url="https://job-boards.greenhouse.io/northwind/jobs/4012347007",
            external_id="4012347007",
            location="Pittsburgh, PA",
            job_type=JobType.CONTRACT,
            work_mode=None,  # "Remote Eligible: false" is no work mode
            salary=Salary(minimum=32.0, maximum=41.5, currency="USD", period=PayPeriod.HOUR),
            description="Keep our robots rolling on customer sites.",
            posted=date(2026, 9, 21),
            item="https://job-boards.greenhouse.io/northwind/jobs/4012347007",
        )
    ]
    assert seen == ["/v1/boards/northwind/jobs/4012347007?pay_transparency=true"]


async def test_a_job_with_an_empty_pay_range_list_has_no_salary(importer: Importer) -> None:
    found = await read_all(importer, UrlInput("https://boards.greenhouse.io/northwind/jobs/4012346007"))

    assert found == [NORTHWIND[1]]


async def test_jobs_without_a_company_name_take_the_boards_name_fetched_once(
    importer: Importer, seen: list[str]
) -> None:
    found = await read_all(importer, QueryInput("tallyho"))

    assert found == [
        JobRecord(
            company="Tally-Ho Logistics",
            role="Vault Designer",
            source="Greenhouse",
            url="https://boards.greenhouse.io/tallyho/jobs/127817",
            external_id="127817",
            location="NYC",
            job_type=None,
            work_mode=None,
            salary=None,
            description="Design the vaults.",
            posted=date(2026, 1, 14),  # no first_published in the older answer: updated_at
            item="https://boards.greenhouse.io/tallyho/jobs/127817",
        ),
        JobRecord(
            company="Tally-Ho Logistics",
            role="Dispatcher",
            source="Greenhouse",
            url="https://boards.greenhouse.io/tallyho/jobs/127818",
            external_id="127818",
            location="Remote",
            job_type=None,
            work_mode=WorkMode.REMOTE,
            salary=None,
            description="Route the trucks.",
            posted=date(2026, 1, 15),
            item="https://boards.greenhouse.io/tallyho/jobs/127818",
        ),
    ]
    assert seen == ["/v1/boards/tallyho/jobs?content=true", "/v1/boards/tallyho"]


# --- what goes wrong -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "why"),
    [("nameless", "{base}/v1/boards/nameless answered HTTP 404"), ("unnamed", "its answer has no name")],
)
async def test_a_board_whose_name_cannot_be_read_is_one_failure_and_its_jobs_keep_no_company(
    importer: Importer, base: str, seen: list[str], token: str, why: str
) -> None:
    found = await read_all(importer, QueryInput(token))

    assert found[0] == ItemFailure(
        f"{base}/v1/boards/{token}",
        f"The board's company name could not be read ({why.format(base=base)}); its jobs have no company",
    )
    assert [
        (type(item), getattr(item, "company", "-"), getattr(item, "role", "-")) for item in found[1:]
    ] == [
        (JobRecord, None, "Vault Designer"),
        (JobRecord, None, "Dispatcher"),
    ]
    assert seen == [f"/v1/boards/{token}/jobs?content=true", f"/v1/boards/{token}"]


async def test_a_job_that_is_not_an_object_is_a_failure_and_the_jobs_around_it_come_through(
    importer: Importer,
) -> None:
    found = await read_all(importer, QueryInput("broken"))

    assert found == [
        NORTHWIND[0],
        ItemFailure("posting 2", "Not a Greenhouse job: not a JSON object"),
        NORTHWIND[1],
    ]


async def test_a_body_that_is_not_json_is_one_failure_naming_the_address(
    importer: Importer, base: str
) -> None:
    found = await read_all(importer, QueryInput("garbled"))

    assert found == [
        ItemFailure(
            f"{base}/v1/boards/garbled/jobs?content=true",
            "Not JSON: Expecting value: line 1 column 1 (char 0)",
        )
    ]


async def test_json_that_is_no_job_list_is_one_failure_naming_the_address(
    importer: Importer, base: str
) -> None:
    found = await read_all(importer, QueryInput("odd"))

    assert found == [
        ItemFailure(
            f"{base}/v1/boards/odd/jobs?content=true",
            'Not a Greenhouse job list: expected an object with a "jobs" list',
        )
    ]


async def test_an_unknown_board_is_refused_with_the_apis_http_status(importer: Importer, base: str) -> None:
    with pytest.raises(ImportRefused) as refused:
        await read_all(importer, QueryInput("nosuchboard"))

    assert str(refused.value) == f"{base}/v1/boards/nosuchboard/jobs?content=true answered HTTP 404"


async def test_an_unknown_job_is_refused_with_the_apis_http_status(importer: Importer, base: str) -> None:
    with pytest.raises(ImportRefused) as refused:
        await read_all(importer, UrlInput(f"{base}/v1/boards/northwind/jobs/999"))

    assert (
        str(refused.value) == f"{base}/v1/boards/northwind/jobs/999?pay_transparency=true answered HTTP 404"
    )


async def no_chunks() -> AsyncIterator[bytes]:
    yield b"title\n"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            QueryInput("north wind"),
            "'north wind' is not a Greenhouse board token (the name after boards.greenhouse.io/)",
        ),
        (
            UrlInput("https://example.com/careers"),
            "https://example.com/careers: not a Greenhouse job board address (expected "
            "https://boards.greenhouse.io/<board> or https://boards-api.greenhouse.io/v1/boards/<board>/jobs)",
        ),
        (
            UrlInput("https://boards.greenhouse.io/embed/job_board"),
            "https://boards.greenhouse.io/embed/job_board: not a Greenhouse job board address (expected "
            "https://boards.greenhouse.io/<board> or https://boards-api.greenhouse.io/v1/boards/<board>/jobs)",
        ),
        (UrlInput("boards.greenhouse.io/northwind"), "boards.greenhouse.io/northwind: not a web address"),
        (
            FileInput("jobs.csv", no_chunks()),
            "The Greenhouse importer reads a board address or a board token, not a file",
        ),
    ],
)
async def test_an_input_that_names_no_greenhouse_board_is_refused_before_any_fetch(
    importer: Importer, seen: list[str], source: ImportInput, message: str
) -> None:
    with pytest.raises(ImportRefused) as refused:
        await read_all(importer, source)

    assert str(refused.value) == message
    assert seen == []


def test_odd_field_types_in_a_job_become_empty_fields_not_errors() -> None:
    job = {
        "id": True,
        "title": 12,
        "company_name": ["Northwind"],
        "location": "New York",
        "absolute_url": None,
        "metadata": [{"name": "Employment Type", "value": {"unit": "x"}}, "Remote", {"value": "Remote"}],
        "content": {"html": "<p>x</p>"},
        "first_published": "soon",
        "updated_at": 17,
        "pay_input_ranges": [{"min_cents": True, "max_cents": "lots"}, None],
    }

    record = record_from(job, company=None, where="posting 9")

    assert record == JobRecord(
        company=None,
        role=None,
        source="Greenhouse",
        url=None,
        external_id=None,
        location=None,
        job_type=None,
        work_mode=None,
        salary=None,
        description=None,
        posted=date(1970, 1, 1),  # a bare number is read as epoch milliseconds
        item="posting 9",
    )


@pytest.mark.parametrize(
    ("ranges", "salary"),
    [
        (
            [{"min_cents": 9000000, "currency_type": "eur", "title": "Annual base salary"}],
            Salary(minimum=90000.0, maximum=None, currency="EUR", period=PayPeriod.YEAR),
        ),
        (
            [{"min_cents": None, "max_cents": 800000, "currency_type": "GBP", "title": "Monthly stipend"}],
            Salary(minimum=None, maximum=8000.0, currency="GBP", period=PayPeriod.MONTH),
        ),
        (
            [{"min_cents": -5, "max_cents": float("inf")}, {"min_cents": 4550, "title": "Salary per hour"}],
            Salary(minimum=45.5, maximum=None, currency=None, period=PayPeriod.HOUR),
        ),
        ([{"min_cents": None, "max_cents": None}], None),
        ({"min_cents": 100}, None),
    ],
)
def test_pay_ranges_are_read_in_units_with_the_period_their_title_names(
    ranges: object, salary: Salary | None
) -> None:
    assert salary_from(ranges) == salary


# --- what the importer claims and how it is found --------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://boards-api.greenhouse.io/v1/boards/northwind/jobs",
        "https://boards-api.greenhouse.io/v1/boards/northwind/jobs?content=true",
        "https://boards-api.greenhouse.io/v1/boards/northwind/jobs/4012345007",
        "https://boards.greenhouse.io/northwind",
        "http://boards.greenhouse.io/northwind/",
        "https://job-boards.greenhouse.io/northwind?gh_src=x",
        "https://job-boards.greenhouse.io/northwind/jobs/4012345007",
        "https://boards.greenhouse.io/embed/job_board?for=northwind",
        "https://boards.greenhouse.io/embed/job_app?token=4012345007&for=northwind",
    ],
)
def test_greenhouse_api_and_board_page_urls_are_claimed(url: str) -> None:
    assert IMPORTER.handles_url(url) is True


@pytest.mark.parametrize(
    "url",
    [
        "https://boards-api.greenhouse.io/v1/boards/northwind/departments",
        "https://boards-api.greenhouse.io/v1/boards/northwind/offices",
        "https://boards-api.greenhouse.io/v1/boards/northwind",
        "https://boards.greenhouse.io/",
        "https://boards.greenhouse.io/embed/job_board",
        "https://boards.greenhouse.io.evil.example/northwind",
        "https://www.greenhouse.io/careers",
        "https://jobs.lever.co/northwind",
        "https://example.com/?next=https://boards.greenhouse.io/northwind",
        "ftp://boards.greenhouse.io/northwind",
    ],
)
def test_other_urls_are_not_claimed(url: str) -> None:
    assert IMPORTER.handles_url(url) is False


def test_the_importer_describes_itself_as_a_url_and_board_token_importer() -> None:
    assert (IMPORTER.name, IMPORTER.title, IMPORTER.inputs, IMPORTER.catch_all) == (
        "greenhouse",
        "Greenhouse job board",
        ("url", "query"),
        False,
    )
    assert IMPORTER.query == "Greenhouse board token (the name after boards.greenhouse.io/)"


def test_the_plugin_registers_the_greenhouse_importer_through_pluggy() -> None:
    pm = create_plugin_manager(load_entry_points=False)
    pm.register(offertracker_greenhouse)
    found: list[Importer] = []

    pm.hook.offertracker_register_importers(register=found.append)

    assert found == [IMPORTER]
