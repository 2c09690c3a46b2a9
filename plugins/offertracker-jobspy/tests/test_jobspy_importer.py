"""The JobSpy CSV importer, reading uploads as streams of byte chunks.

The files are the fixtures in ``fixtures/`` (see its README for where their
shape comes from), cut into chunks of every size from one byte up, so a record,
a quoted line break, a multi-byte character or the BOM may be split anywhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

import offertracker_jobspy
from offertracker_core.enums import JobType, WorkMode
from offertracker_core.importers import (
    FileInput,
    ImportContext,
    Importer,
    ImportInput,
    ItemFailure,
    JobRecord,
    PayPeriod,
    Salary,
    UrlInput,
)
from offertracker_core.plugins import create_plugin_manager
from offertracker_http.fetching import GuardedFetcher
from offertracker_jobspy import IMPORTER, MAX_RECORD_CHARS, source_name

FIXTURES = Path(__file__).parent / "fixtures"


async def chunks_of(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def upload(data: bytes, size: int = 64 * 1024, name: str = "jobs.csv") -> FileInput:
    return FileInput(name, chunks_of(data, size))


async def read_all(source: ImportInput) -> list[JobRecord | ItemFailure]:
    # A real fetcher, to show the file importer never asks it for anything.
    async with GuardedFetcher() as fetcher:
        return [item async for item in IMPORTER.read(source, ImportContext(fetcher))]


HEADER = "id,site,job_url,title,company,interval,min_amount,max_amount,currency,is_remote\n"

README_CSV_ROWS: list[JobRecord | ItemFailure] = [
    JobRecord(
        company="AMERICAN SYSTEMS",
        role="Software Engineer",
        source="Indeed",
        url="https://careers.americansystems.example/jobs/4471?src=indeed",
        external_id="in-5e409e577046a1b2",
        location="Arlington, VA, US",
        job_type=JobType.FULL_TIME,
        work_mode=None,
        salary=Salary(minimum=150000.0, maximum=200000.0, currency="USD", period=PayPeriod.YEAR),
        # Saved with escapechar="\\", the file holds C\\_API; the markdown's own C\_API comes back.
        description=(
            "THIS POSITION COMES WITH A 10K SIGNING BONUS!\n\n**What you'll do**\n\n"
            '* Maintain the C\\_API bindings\n* Review "legacy" code'
        ),
        posted=date(2026, 3, 4),
        item="row 2",
    ),
    JobRecord(
        company="Rain",
        role="Full-Stack Software Engineer",
        source="LinkedIn",
        url="https://www.linkedin.com/jobs/view/3696158877",
        external_id="li-3696158877",
        location="New York, NY, US",
        job_type=JobType.FULL_TIME,
        work_mode=WorkMode.REMOTE,
        salary=None,
        description=(
            "Rain’s mission is to create the fastest and easiest way to pay.\n  \n  \n"
            "**Responsibilities**\n\n* Own features end to end"
        ),
        posted=date(2026, 3, 3),
        item="row 3",
    ),
    JobRecord(
        company="TEKsystems",
        role="Software Developer",
        source="ZipRecruiter",
        url="https://www.ziprecruiter.com/jobs/teksystems-0d5e7c1f2a",
        external_id="zr-0d5e7c1f2a",
        location="Phoenix, AZ, US",
        job_type=JobType.CONTRACT,
        work_mode=None,
        salary=Salary(minimum=65.0, maximum=75.0, currency="USD", period=PayPeriod.HOUR),
        description="Top Skills' Details\n\n6 years of Java development\n\nSpring & Hibernate",
        posted=date(2026, 3, 2),
        item="row 4",
    ),
    ItemFailure("row 5", 'min_amount is not a number: "competitive"'),
    # No company: kept as None, the host fails this one item.
    JobRecord(
        company=None,
        role="QA Analyst",
        source="Google",
        # Google's rows carry the apply link as job_url (JobSpy's Google scraper sets no direct URL).
        url="https://boards.example.com/acme/jobs/991?utm_campaign=google_jobs_apply&utm_source=google_jobs_apply&utm_medium=organic",
        external_id="go-aGVsbG8gd29ybGQ",
        location="Remote",
        job_type=JobType.CONTRACT,
        work_mode=WorkMode.REMOTE,
        salary=None,
        description="Test the **mobile** apps.",
        posted=date(2026, 2, 28),
        item="row 6",
    ),
    JobRecord(
        company="Infosys Limited",
        role="Backend Developer",
        source="Naukri",
        url="https://www.naukri.com/job-listings-backend-developer-120326500123",
        external_id="nk-120326500123",
        location="Bengaluru, Karnataka, IN",
        job_type=None,
        work_mode=WorkMode.HYBRID,
        salary=Salary(minimum=1200000.0, maximum=1800000.0, currency="INR", period=PayPeriod.YEAR),
        description="Java, Spring Boot, Kafka.",
        posted=date(2026, 3, 5),
        item="row 7",
    ),
]


async def test_a_csv_saved_as_jobspys_readme_says_is_a_record_per_row_and_a_failure_per_bad_row() -> None:
    found = await read_all(upload((FIXTURES / "jobs.csv").read_bytes()))

    assert found == README_CSV_ROWS


@pytest.mark.parametrize("size", [1, 2, 3, 7, 100, 4096])
async def test_the_rows_are_the_same_wherever_the_chunks_are_cut(size: int) -> None:
    found = await read_all(upload((FIXTURES / "jobs.csv").read_bytes(), size))

    assert found == README_CSV_ROWS


@pytest.mark.parametrize("size", [1, 2, 5, 64 * 1024])
async def test_an_older_release_saved_on_windows_with_a_bom_crlf_and_the_index_is_read_by_column_name(
    size: int,
) -> None:
    found = await read_all(upload((FIXTURES / "jobs-windows.csv").read_bytes(), size))

    assert found == [
        JobRecord(
            company="Zühlke Group",
            role="Engineer, Platform Reliability",
            source="LinkedIn",
            url="https://www.linkedin.com/jobs/view/3920174411",
            external_id="li-3920174411",
            location="Zürich, ZH, Switzerland",
            job_type=JobType.FULL_TIME,
            work_mode=None,
            salary=Salary(minimum=9500.0, maximum=11000.0, currency="CHF", period=PayPeriod.MONTH),
            description="Keep the platform up – day and night.\nOn call: 1 week in 6.",
            posted=date(2024, 5, 18),
            item="row 2",
        ),
        JobRecord(
            company="Sunrise Health",
            role="Night Nurse (RN)",
            source="Indeed",
            url="https://jobs.lever.co/sunrise-health/5b2a",
            external_id="in-77c1d0e4b2",
            location="Portland, OR, US",
            job_type=JobType.PART_TIME,
            work_mode=WorkMode.REMOTE,
            salary=Salary(minimum=1900.0, maximum=None, currency="USD", period=PayPeriod.WEEK),
            description="Three 12-hour shifts.",
            posted=date(2024, 5, 17),
            item="row 3",
        ),
    ]


async def test_a_row_comes_out_before_the_rest_of_the_file_is_read() -> None:
    data = (FIXTURES / "jobs.csv").read_bytes()
    pieces = [data[start : start + 256] for start in range(0, len(data), 256)]
    consumed = 0

    async def counted() -> AsyncIterator[bytes]:
        nonlocal consumed
        for piece in pieces:
            consumed += 1
            yield piece

    async with GuardedFetcher() as fetcher:
        rows = IMPORTER.read(FileInput("jobs.csv", counted()), ImportContext(fetcher))
        first = await anext(rows)
        await rows.aclose()  # type: ignore[attr-defined]

    end_of_first_row = data.index(b'\n"li-3696158877"')
    assert first == README_CSV_ROWS[0]
    assert (consumed, len(pieces)) == (end_of_first_row // 256 + 1, 12) == (5, 12)


async def test_a_header_without_title_and_company_is_one_failure_and_nothing_else_is_read() -> None:
    found = await read_all(upload((FIXTURES / "not-jobspy.csv").read_bytes(), 16))

    assert found == [ItemFailure("header", "Not a JobSpy CSV: missing columns title, company")]


async def test_a_header_naming_only_one_required_column_names_the_other() -> None:
    found = await read_all(upload(b"Title,Location\nNurse,Portland\n"))

    assert found == [ItemFailure("header", "Not a JobSpy CSV: missing columns company")]


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\r\n"])
async def test_an_empty_file_is_one_failure(data: bytes) -> None:
    found = await read_all(upload(data))

    assert found == [ItemFailure("header", "Not a JobSpy CSV: the file is empty")]


async def test_bad_rows_are_one_failure_each_and_blank_lines_count_as_spreadsheet_rows() -> None:
    data = (
        HEADER
        + "li-1,linkedin,https://www.linkedin.com/jobs/view/1,Welder,Forge Ltd,,,,,False\n"  # row 2
        + "\n"  # row 3: blank
        + "in-2,indeed,https://in.example/2,Baker,Crumbs,,,,,False,surplus\n"  # row 4
        + "in-3,indeed,https://in.example/3,Cook,Crumbs,fortnightly,900,,USD,False\n"  # row 5
        + "in-4,indeed,https://in.example/4,Porter,Crumbs,yearly,30000,lots,USD,False\n"  # row 6
        + "in-5,indeed,https://in.example/5,Driver,Caf\xe9 Bleu,hourly,nan,21.5,usd,true\n"  # row 7
    ).encode("latin-1")  # the é of row 7 is not UTF-8: replaced, not fatal

    found = await read_all(upload(data, 10))

    assert found == [
        JobRecord(
            company="Forge Ltd",
            role="Welder",
            source="LinkedIn",
            url="https://www.linkedin.com/jobs/view/1",
            external_id="li-1",
            item="row 2",
        ),
        ItemFailure("row 4", "11 fields where the header names 10"),
        ItemFailure("row 5", 'interval "fortnightly" is not one of yearly, monthly, weekly, daily, hourly'),
        ItemFailure("row 6", 'max_amount is not a number: "lots"'),
        JobRecord(
            company="Caf\ufffd Bleu",
            role="Driver",
            source="Indeed",
            url="https://in.example/5",
            external_id="in-5",
            work_mode=WorkMode.REMOTE,
            salary=Salary(minimum=None, maximum=21.5, currency="USD", period=PayPeriod.HOUR),
            item="row 7",
        ),
    ]


async def test_a_short_row_reads_its_missing_cells_as_empty_and_a_hyperlink_column_gives_the_url() -> None:
    data = (
        b"site,job_url_hyper,title,company,location,min_amount\n"
        b'glassdoor,"<a href=""https://www.glassdoor.com/job-listing/j?jl=7"">https://www.glassdoor.com/'
        b'job-listing/j?jl=7</a>",Chemist,Nova Labs\n'
    )

    found = await read_all(upload(data))

    assert found == [
        JobRecord(
            company="Nova Labs",
            role="Chemist",
            source="Glassdoor",
            url="https://www.glassdoor.com/job-listing/j?jl=7",
            item="row 2",
        )
    ]


async def test_a_quoted_field_left_open_fails_at_the_row_it_began_in_after_the_rows_before_it() -> None:
    data = (
        HEADER
        + "li-1,linkedin,https://www.linkedin.com/jobs/view/1,Welder,Forge Ltd,,,,,False\n"
        + 'li-2,linkedin,https://www.linkedin.com/jobs/view/2,"Night\nPorter,Hotel Cosmo,,,,,False\n'
        + "li-3,linkedin,https://www.linkedin.com/jobs/view/3,Chef,Hotel Cosmo,,,,,False\n"
    ).encode()

    found = await read_all(upload(data, 8))

    assert found == [
        JobRecord(
            company="Forge Ltd",
            role="Welder",
            source="LinkedIn",
            url="https://www.linkedin.com/jobs/view/1",
            external_id="li-1",
            item="row 2",
        ),
        ItemFailure("row 3", "A quoted field is not closed before the end of the file"),
    ]


async def test_a_quoted_field_running_past_the_limit_stops_the_reading_without_holding_the_file() -> None:
    runaway = "x" * (MAX_RECORD_CHARS // 10) + "\n"
    data = (
        HEADER
        + "li-1,linkedin,https://www.linkedin.com/jobs/view/1,Welder,Forge Ltd,,,,,False\n"
        + 'li-2,linkedin,https://www.linkedin.com/jobs/view/2,"Porter\n'
        + runaway * 11
        + "li-3,linkedin,https://www.linkedin.com/jobs/view/3,Chef,Hotel Cosmo,,,,,False\n"
    ).encode()

    found = await read_all(upload(data, 64 * 1024))

    assert found == [
        JobRecord(
            company="Forge Ltd",
            role="Welder",
            source="LinkedIn",
            url="https://www.linkedin.com/jobs/view/1",
            external_id="li-1",
            item="row 2",
        ),
        ItemFailure(
            "row 3", "A quoted field runs past 1,000,000 characters; the rest of the file was not read"
        ),
    ]


async def test_a_row_without_a_line_break_for_a_million_characters_stops_the_reading() -> None:
    data = (HEADER + "li-1,linkedin,https://in.example/1,Welder," + "x" * MAX_RECORD_CHARS).encode()

    found = await read_all(upload(data, 1024))

    assert found == [
        ItemFailure("row 2", "A row runs past 1,000,000 characters; the rest of the file was not read")
    ]


async def test_a_url_is_not_read_but_reported_as_one_failure() -> None:
    found = await read_all(UrlInput("https://example.com/jobs.csv"))

    refused = "This importer reads JobSpy CSV files: upload the file"
    assert found == [ItemFailure("https://example.com/jobs.csv", refused)]


@pytest.mark.parametrize(
    ("site", "name"),
    [
        ("linkedin", "LinkedIn"),
        ("indeed", "Indeed"),
        ("glassdoor", "Glassdoor"),
        ("zip_recruiter", "ZipRecruiter"),
        ("google", "Google"),
        ("bayt", "Bayt"),
        ("naukri", "Naukri"),
        (" LinkedIn ", "LinkedIn"),
        ("bdjobs", "Bdjobs"),
        ("some_board", "Some Board"),
        ("", "JobSpy"),
        (None, "JobSpy"),
    ],
)
def test_the_source_is_the_site_as_a_person_names_it(site: str | None, name: str) -> None:
    assert source_name(site) == name


@pytest.mark.parametrize(
    ("filename", "handled"),
    [
        ("jobs.csv", True),
        ("JOBS_2026-03-04.CSV", True),
        ("jobs.csv.gz", False),
        ("jobs.xlsx", False),
        ("jobs.json", False),
    ],
)
def test_the_importer_takes_csv_files(filename: str, handled: bool) -> None:
    assert IMPORTER.handles_file(filename) is handled


def test_the_importer_claims_no_url_and_takes_no_query() -> None:
    assert (IMPORTER.name, IMPORTER.title, IMPORTER.inputs) == ("jobspy", "JobSpy CSV", ("file",))
    assert IMPORTER.handles_url("https://www.linkedin.com/jobs/view/1") is False
    assert IMPORTER.catch_all is False
    assert IMPORTER.query is None


def test_the_plugin_registers_its_importer_through_pluggy() -> None:
    pm = create_plugin_manager(load_entry_points=False)
    pm.register(offertracker_jobspy)
    found: list[Importer] = []

    pm.hook.offertracker_register_importers(register=found.append)

    assert found == [IMPORTER]
