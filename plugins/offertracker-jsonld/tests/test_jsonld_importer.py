"""The schema.org JobPosting importer, reading pages served by a real aiohttp server on 127.0.0.1.

The pages are the fixtures in ``fixtures/`` (see its README for where their shape
comes from); they are fetched through the host's real ``GuardedFetcher`` with
private addresses allowed, so redirects, final URLs and HTTP errors are real.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import offertracker_jsonld
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
    Salary,
    UrlInput,
)
from offertracker_core.plugins import create_plugin_manager
from offertracker_http.fetching import GuardedFetcher
from offertracker_jsonld import IMPORTER, MAX_POSTINGS, source_of

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_page(name: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=(FIXTURES / name).read_bytes(), content_type="text/html", charset="utf-8")

    return handler


def html_page(markup: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=markup, content_type="text/html")

    return handler


async def moved(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently("/jobs/support-specialist/")


async def serve(aiohttp_server: ServerFactory, *extra: web.RouteDef) -> str:
    """A careers site answering like the real pages do: HTML with JSON-LD in the head."""
    app = web.Application()
    app.add_routes(
        [
            web.get("/jobs/4012-senior-backend-engineer", fixture_page("posting.html")),
            web.get("/jobs/support-specialist/", fixture_page("remote-graph.html")),
            web.get("/", moved),  # WordPress's short link ?p=77 moves to the pretty URL
            web.get("/engineering", fixture_page("listing.html")),
            web.get("/about", fixture_page("no-posting.html")),
            *extra,
        ]
    )
    server = await aiohttp_server(app)
    return f"http://127.0.0.1:{server.port}"


async def read_all(source: ImportInput) -> list[JobRecord | ItemFailure]:
    async with GuardedFetcher(allow_private=True) as fetcher:
        return [item async for item in IMPORTER.read(source, ImportContext(fetcher))]


async def test_a_careers_page_with_one_posting_becomes_one_record_with_every_field_mapped(
    aiohttp_server: ServerFactory,
) -> None:
    base = await serve(aiohttp_server)

    found = await read_all(UrlInput(f"{base}/jobs/4012-senior-backend-engineer"))

    assert found == [
        JobRecord(
            company="Acme Robotics",
            role="Senior Backend Engineer",
            source="127.0.0.1",
            url="https://careers.acme.example/jobs/4012-senior-backend-engineer",
            external_id="R-1042",
            location="Boston, MA, US",
            job_type=JobType.FULL_TIME,
            work_mode=None,
            salary=Salary(minimum=150000.0, maximum=185000.0, currency="USD", period=PayPeriod.YEAR),
            description=(
                "Acme Robotics builds the robots that run warehouses.\n\n"
                "What you'll do\n\nDesign the fleet API\n\nOwn the & routing service\n\n"
                "Benefits: 401(k), 25 days off."
            ),
            posted=date(2026, 3, 2),
            item="https://careers.acme.example/jobs/4012-senior-backend-engineer",
        )
    ]


async def test_a_remote_posting_in_a_graph_without_its_own_url_gets_the_page_url_reached_by_redirect(
    aiohttp_server: ServerFactory,
) -> None:
    base = await serve(aiohttp_server)

    found = await read_all(UrlInput(f"{base}/?p=77"))

    assert found == [
        JobRecord(
            company="Northwind Traders",
            role="Customer Support Specialist (Remote)",
            source="127.0.0.1",
            url=f"{base}/jobs/support-specialist/",
            external_id="NW-77",
            location="USA; Canada",
            job_type=JobType.PART_TIME,
            work_mode=WorkMode.REMOTE,
            salary=Salary(minimum=24.5, maximum=24.5, currency="USD", period=PayPeriod.HOUR),
            description="Help our customers by email and chat.\n\n20 hours a week\n\nFlexible shifts",
            posted=date(2026, 2, 20),
            item=f"{base}/jobs/support-specialist/",
        )
    ]


async def test_a_listing_page_yields_every_posting_and_its_broken_block_as_one_failure(
    aiohttp_server: ServerFactory,
) -> None:
    base = await serve(aiohttp_server)

    found = await read_all(UrlInput(f"{base}/engineering"))

    assert found == [
        ItemFailure(
            f"{base}/engineering",
            "JSON-LD block 1 is not valid JSON: Expecting value (line 6, column 3)",
        ),
        JobRecord(
            company="Globex GmbH",
            role="R&D Engineer, Sensors",
            source="127.0.0.1",
            url=f"{base}/jobs/88123",
            external_id="88123",
            location="Berlin, DE; Munich, Bavaria, DE; Hamburg, DE (+2 more)",
            job_type=JobType.FULL_TIME,
            work_mode=None,
            salary=Salary(minimum=5200.0, maximum=6400.0, currency="EUR", period=PayPeriod.MONTH),
            description="Build the sensor stack of our next drone.",
            posted=date(2026, 1, 15),
            item=f"{base}/jobs/88123",
        ),
        # No hiringOrganization: company stays None and the host fails this one item.
        JobRecord(
            company=None,
            role="Firmware Intern",
            source="127.0.0.1",
            url="https://jobs.globex.example/jobs/88124",
            external_id=None,
            location="Dresden, Germany",
            job_type=JobType.INTERNSHIP,
            work_mode=None,
            salary=None,
            description="Six months, starting in April.",
            posted=date(2026, 1, 16),
            item="https://jobs.globex.example/jobs/88124",
        ),
        # No title and no url of its own: on a page of several postings the page's URL
        # is not borrowed (the host would take it for a duplicate of its neighbours).
        JobRecord(
            company="Globex GmbH",
            role=None,
            source="127.0.0.1",
            url=None,
            external_id=None,
            location=None,
            job_type=None,
            work_mode=None,
            salary=None,
            description="Title to be announced.",
            posted=None,
            item="posting 3",
        ),
    ]


async def test_a_page_without_a_job_posting_is_one_failure_naming_the_page(
    aiohttp_server: ServerFactory,
) -> None:
    base = await serve(aiohttp_server)

    found = await read_all(UrlInput(f"{base}/about"))

    assert found == [ItemFailure(f"{base}/about", "No schema.org JobPosting found on this page")]


async def test_a_page_with_more_than_fifty_postings_yields_fifty_and_says_how_many_were_left(
    aiohttp_server: ServerFactory,
) -> None:
    postings = [
        {"@type": "JobPosting", "title": f"Role {n}", "hiringOrganization": "Umbrella", "url": f"/jobs/{n}"}
        for n in range(1, 54)
    ]
    markup = f'<script type="application/ld+json">{json.dumps({"@graph": postings})}</script>'
    base = await serve(aiohttp_server, web.get("/all", html_page(markup)))

    found = await read_all(UrlInput(f"{base}/all"))

    records = [item for item in found if isinstance(item, JobRecord)]
    assert (len(found), len(records), MAX_POSTINGS) == (51, 50, 50)
    assert [record.role for record in records[:2]] + [records[-1].role] == ["Role 1", "Role 2", "Role 50"]
    assert records[-1].url == f"{base}/jobs/50"
    left = "The page carries 53 JobPostings; only the first 50 were read"
    assert found[-1] == ItemFailure(f"{base}/all", left)


async def test_blocks_wrapped_in_a_comment_or_typed_with_parameters_are_read_and_empty_ones_skipped(
    aiohttp_server: ServerFactory,
) -> None:
    markup = (
        '<html><head><script type="application/ld+json"> </script>'
        '<script type="Application/LD+JSON; charset=utf-8"><!--\n'
        '{"@type": "JobPosting", "title": "Night\nPorter", "hiringOrganization": {"name": "Hotel Cosmo"},'
        ' "identifier": {"@type": "PropertyValue", "value": 7}, "baseSalary": {"@type": "MonetaryAmount",'
        ' "currency": "GBP", "value": {"@type": "QuantitativeValue", "value": 31000}}}\n'
        "--></script></head><body></body></html>"
    )
    base = await serve(aiohttp_server, web.get("/porter", html_page(markup)))

    found = await read_all(UrlInput(f"{base}/porter"))

    assert found == [
        JobRecord(
            company="Hotel Cosmo",
            role="Night\nPorter",
            source="127.0.0.1",
            url=f"{base}/porter",
            external_id="7",
            salary=Salary(minimum=31000.0, maximum=31000.0, currency="GBP", period=PayPeriod.YEAR),
            item=f"{base}/porter",
        )
    ]


async def test_a_salary_in_an_unknown_unit_is_left_out_and_the_job_still_imported(
    aiohttp_server: ServerFactory,
) -> None:
    posting = {
        "@type": "JobPosting",
        "title": "Courier",
        "hiringOrganization": "Fast Co",
        "baseSalary": {"currency": "USD", "value": {"value": 2, "unitText": "PARCEL"}},
        "jobLocationType": "TELECOMMUTE",
    }
    markup = f'<script type="application/ld+json">{json.dumps(posting)}</script>'
    base = await serve(aiohttp_server, web.get("/courier", html_page(markup)))

    found = await read_all(UrlInput(f"{base}/courier"))

    assert found == [
        JobRecord(
            company="Fast Co",
            role="Courier",
            source="127.0.0.1",
            url=f"{base}/courier",
            work_mode=WorkMode.REMOTE,
            item=f"{base}/courier",
        )
    ]


async def test_a_block_nested_too_deeply_is_one_failure_and_the_next_block_is_still_read(
    aiohttp_server: ServerFactory,
) -> None:
    markup = (
        f'<script type="application/ld+json">{"[" * 100_000}</script>'
        '<script type="application/ld+json">{"@type": "JobPosting", "title": "Welder",'
        ' "hiringOrganization": "Forge Ltd"}</script>'
    )
    base = await serve(aiohttp_server, web.get("/deep", html_page(markup)))

    found = await read_all(UrlInput(f"{base}/deep"))

    assert found == [
        ItemFailure(f"{base}/deep", "JSON-LD block 1 is nested too deeply to read"),
        JobRecord(
            company="Forge Ltd", role="Welder", source="127.0.0.1", url=f"{base}/deep", item=f"{base}/deep"
        ),
    ]


async def test_an_http_error_surfaces_as_import_refused(aiohttp_server: ServerFactory) -> None:
    base = await serve(aiohttp_server)

    with pytest.raises(ImportRefused) as refused:
        await read_all(UrlInput(f"{base}/jobs/closed-long-ago"))

    assert str(refused.value) == f"{base}/jobs/closed-long-ago answered HTTP 404"


async def test_a_file_is_not_read_but_reported_as_one_failure() -> None:
    async def no_chunks() -> AsyncIterator[bytes]:
        yield b""

    found = await read_all(FileInput("jobs.html", no_chunks()))

    assert found == [ItemFailure("jobs.html", "This importer reads web pages: give it a URL")]


@pytest.mark.parametrize(
    ("page_url", "source"),
    [
        ("https://www.careers.acme.com/jobs/1", "careers.acme.com"),
        ("https://careers.acme.com/jobs/1", "careers.acme.com"),
        ("https://WWW.Example.ORG:8443/x", "example.org"),
        ("http://127.0.0.1:8080/jobs", "127.0.0.1"),
    ],
)
def test_the_source_is_the_pages_host_without_www(page_url: str, source: str) -> None:
    assert source_of(page_url) == source


@pytest.mark.parametrize(
    ("url", "claimed"),
    [
        ("https://careers.acme.com/jobs/4012", True),
        ("http://jobs.example.org/?p=77", True),
        ("ftp://example.com/jobs.html", False),
        ("mailto:jobs@example.com", False),
        ("careers.acme.com/jobs/4012", False),
        ("file:///etc/passwd", False),
    ],
)
def test_the_importer_claims_http_and_https_addresses_only(url: str, claimed: bool) -> None:
    assert IMPORTER.handles_url(url) is claimed


def test_the_importer_is_the_catch_all_for_urls_and_takes_no_file_or_query() -> None:
    assert (IMPORTER.name, IMPORTER.title) == ("jsonld", "Web page with schema.org JobPosting")
    assert (IMPORTER.catch_all, IMPORTER.inputs) == (True, ("url",))
    assert (IMPORTER.file_types, IMPORTER.query) == ((), None)


def test_the_plugin_registers_its_importer_through_pluggy() -> None:
    pm = create_plugin_manager(load_entry_points=False)
    pm.register(offertracker_jsonld)
    found: list[Importer] = []

    pm.hook.offertracker_register_importers(register=found.append)

    assert found == [IMPORTER]
