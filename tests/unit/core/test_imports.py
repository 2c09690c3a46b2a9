"""Imports in the core: mapping records onto saved jobs, choosing importers, and the import service.

The service runs on the in-memory fake storage; its importers are throwaway
async generators defined here, fetching nothing (the guarded fetcher is tested in
``tests/unit/http/test_fetching.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from offertracker_core.entities import SavedJob
from offertracker_core.enums import JobType, WorkMode
from offertracker_core.errors import BusinessRuleViolation
from offertracker_core.import_mapping import annual_range, canonical_url, duplicate_keys, saved_job_from
from offertracker_core.import_registry import ImporterRegistry, ImportSetup
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
    job_type_from,
    work_mode_from,
)
from offertracker_core.plugins import create_plugin_manager, hookimpl
from offertracker_core.services import ImportService, ServiceContext

from ..fakes import FakeClock, FakeStorage, RecordingPublisher, SequentialIds

USER = UUID(int=7)
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def record(**fields: object) -> JobRecord:
    values: dict[str, object] = {"company": "Acme", "role": "Engineer", "source": "Board"}
    values.update(fields)
    return JobRecord(**values)  # type: ignore[arg-type]


def mapped(job: JobRecord) -> SavedJob:
    outcome = saved_job_from(job, user_id=USER, job_id=UUID(int=1), now=NOW, where="item 1")
    assert not isinstance(outcome, ItemFailure), outcome
    return outcome.saved_job


# --- mapping ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://Jobs.Example.com:443/acme/101/", "https://jobs.example.com/acme/101"),
        ("http://jobs.example.com:80/a?b=2&a=1#apply", "http://jobs.example.com/a?a=1&b=2"),
        (
            "https://jobs.example.com/a?utm_source=x&gh_src=y&id=3&lever-source=z",
            "https://jobs.example.com/a?id=3",
        ),
        ("https://jobs.example.com:8443/a", "https://jobs.example.com:8443/a"),
        ("https://careers.acme.com/?gh_jid=4012", "https://careers.acme.com?gh_jid=4012"),
    ],
)
def test_a_url_is_compared_in_its_canonical_spelling(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_two_spellings_of_one_posting_share_a_duplicate_key() -> None:
    first = duplicate_keys(record(url="https://jobs.example.com/1?utm_medium=mail"))
    second = duplicate_keys(record(url="https://JOBS.example.com/1/"))
    assert first == second
    assert len(first[0]) == 64  # a SHA-256 in hex: fixed width in the index


def test_the_source_and_external_id_key_ignores_case_of_the_source_only() -> None:
    assert duplicate_keys(record(source="Lever", external_id="ab")) == duplicate_keys(
        record(source="lever", external_id="ab")
    )
    assert duplicate_keys(record(source="Lever", external_id="ab")) != duplicate_keys(
        record(source="Lever", external_id="AB")
    )


@pytest.mark.parametrize(
    ("salary", "annual"),
    [
        (Salary(minimum=50, maximum=60, period=PayPeriod.HOUR), (104_000, 124_800)),
        (Salary(minimum=400, maximum=None, period=PayPeriod.DAY), (104_000, None)),
        (Salary(minimum=2000, maximum=2500, period=PayPeriod.WEEK), (104_000, 130_000)),
        (Salary(minimum=5000, maximum=7000.5, period=PayPeriod.MONTH), (60_000, 84_006)),
        (Salary(minimum=120_000, maximum=90_000, period=PayPeriod.YEAR), (90_000, 120_000)),
        (Salary(minimum=-1, maximum=float("nan"), period=PayPeriod.YEAR), (None, None)),
    ],
)
def test_salaries_are_annualised_by_their_period(
    salary: Salary, annual: tuple[int | None, int | None]
) -> None:
    assert annual_range(salary) == annual


def test_an_hourly_salary_is_saved_yearly_with_the_posted_figure_in_the_notes() -> None:
    saved = mapped(
        record(
            salary=Salary(minimum=45.5, maximum=60, currency="eur", period=PayPeriod.HOUR),
            posted=date(2026, 11, 2),
            description="Build things.",
            job_type=JobType.CONTRACT,
            work_mode=WorkMode.REMOTE,
        )
    )
    assert (saved.salary_range_min, saved.salary_range_max, saved.salary_currency) == (94_640, 124_800, "EUR")
    assert saved.notes == "Salary as posted: 45.50–60 EUR per hour\nPosted: 2026-11-02\n\nBuild things."
    assert (saved.job_type, saved.work_mode, saved.status.value, saved.priority.value) == (
        JobType.CONTRACT,
        WorkMode.REMOTE,
        "Active",
        "Medium",
    )


def test_a_salary_in_an_unnamed_currency_stays_in_the_notes_only() -> None:
    saved = mapped(record(salary=Salary(minimum=100, currency="US Dollars", period=PayPeriod.YEAR)))
    assert (saved.salary_range_min, saved.salary_currency) == (None, "USD")
    assert saved.notes == "Salary as posted: 100 US DOLLARS per year"


@pytest.mark.parametrize(
    ("company", "role", "message"),
    [
        (None, "Engineer", "Missing company: not imported"),
        ("Acme", "  ", "Missing job title: not imported"),
        ("", None, "Missing company and job title: not imported"),
    ],
)
def test_a_record_without_a_company_or_title_is_a_failure_not_half_a_job(
    company: str | None, role: str | None, message: str
) -> None:
    outcome = saved_job_from(
        record(company=company, role=role), user_id=USER, job_id=UUID(int=1), now=NOW, where="row 4"
    )
    assert outcome == ItemFailure("row 4", message)


def test_overlong_text_is_cut_and_an_overlong_url_moves_to_the_notes() -> None:
    long_url = "https://jobs.example.com/" + "a" * 600
    saved = mapped(record(location="Somewhere " * 40, url=long_url, description="x" * 30_000))
    assert saved.location is not None
    assert len(saved.location) == 255
    assert saved.location.endswith("…")
    assert saved.url is None
    assert saved.notes is not None
    assert saved.notes.startswith(f"Posting: {long_url}\n\n")
    assert len(saved.notes) <= 20_000
    assert saved.notes.endswith("…")


@pytest.mark.parametrize(
    ("text", "job_type"),
    [
        ("FULL_TIME", JobType.FULL_TIME),
        ("fulltime", JobType.FULL_TIME),
        ("Part-time, Contract", JobType.PART_TIME),
        ("INTERN", JobType.INTERNSHIP),
        ("Regular Full Time (Salary)", JobType.FULL_TIME),
        ("International Contract", JobType.CONTRACT),
        ("International Assignment", None),
        ("", None),
        (None, None),
    ],
)
def test_job_types_are_read_from_the_words_sources_use(text: str | None, job_type: JobType | None) -> None:
    assert job_type_from(text) == job_type


@pytest.mark.parametrize(
    ("text", "remote", "mode"),
    [
        ("TELECOMMUTE", None, WorkMode.REMOTE),
        ("Remote - US", None, WorkMode.REMOTE),
        ("hybrid", None, WorkMode.HYBRID),
        ("On-site", None, WorkMode.ON_SITE),
        ("Berlin", True, WorkMode.REMOTE),
        ("Berlin", False, None),
    ],
)
def test_work_modes_are_read_from_words_and_remote_flags(
    text: str, remote: bool | None, mode: WorkMode | None
) -> None:
    assert work_mode_from(text, remote=remote) == mode


# --- the registry ------------------------------------------------------------------------


async def nothing(source: ImportInput, ctx: ImportContext) -> AsyncIterator[JobRecord | ItemFailure]:
    return
    yield


def importer(name: str, **fields: object) -> Importer:
    return Importer(name=name, title=name.title(), read=nothing, **fields)  # type: ignore[arg-type]


def test_two_importers_of_one_name_stop_start_up_naming_both_plugins() -> None:
    class First:
        @hookimpl
        def offertracker_register_importers(self, register):
            register(importer("jobs"))

    class Second:
        @hookimpl
        def offertracker_register_importers(self, register):
            register(importer("jobs"))

    pm = create_plugin_manager(load_entry_points=False)
    pm.register(First(), name="first")
    pm.register(Second(), name="second")
    with pytest.raises(ValueError, match="importer name 'jobs' is registered by both 'first' and 'second'"):
        ImporterRegistry.from_plugins(pm)


def test_registering_something_that_is_not_an_importer_is_refused() -> None:
    with pytest.raises(TypeError, match="plugin 'odd' registered 'jobs', not an offertracker Importer"):
        ImporterRegistry().add("jobs", plugin="odd")  # type: ignore[arg-type]


def test_a_url_goes_to_the_first_matching_importer_and_a_catch_all_comes_last() -> None:
    registry = ImporterRegistry()
    registry.add(importer("page", catch_all=True))
    registry.add(importer("board", url_patterns=(r"boards\.example\.com",)))
    assert registry.choose(UrlInput("https://boards.example.com/acme")).name == "board"
    assert registry.choose(UrlInput("https://careers.acme.com/1")).name == "page"


def test_a_file_goes_to_the_importer_of_its_extension_in_any_case() -> None:
    registry = ImporterRegistry()
    registry.add(importer("csv", file_types=(".csv",)))
    assert registry.choose(FileInput("Jobs.CSV", chunks_of())).name == "csv"
    with pytest.raises(BusinessRuleViolation, match="No installed importer reads this type of file"):
        registry.choose(FileInput("jobs.xlsx", chunks_of()))


async def chunks_of(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


# --- the service ---------------------------------------------------------------------------


def service(
    storage: FakeStorage, *importers: Importer, max_records: int = 500, max_bytes: int = 1000
) -> ImportService:
    registry = ImporterRegistry()
    for one in importers:
        registry.add(one, plugin="tests")
    ctx = ServiceContext(
        storage=storage,
        clock=FakeClock(NOW),
        ids=SequentialIds(),
        events=RecordingPublisher(storage),
        imports=ImportSetup(importers=registry, max_records=max_records, max_file_bytes=max_bytes),
    )
    return ImportService(ctx)


def yielding(*items: JobRecord | ItemFailure, then: Exception | None = None) -> Importer:
    async def read(source: ImportInput, ctx: ImportContext) -> AsyncIterator[JobRecord | ItemFailure]:
        for item in items:
            yield item
        if then is not None:
            raise then

    return Importer(name="fixed", title="Fixed", read=read, url_patterns=("",), query="anything")


async def test_records_become_saved_jobs_and_repeats_within_one_import_are_skipped() -> None:
    storage = FakeStorage()
    imports = service(
        storage,
        yielding(
            record(url="https://a.example/1"),
            record(url="https://a.example/1/", role="Same posting, other spelling"),
            record(external_id="9", role="By id"),
            record(external_id="9", role="By id again"),
            ItemFailure("posting 5", "Not a posting"),
        ),
    )
    report = await imports.run(USER, UrlInput("https://a.example/board"))
    assert (report.created, report.skipped, report.failed, report.limit_reached) == (2, 2, 1, False)
    assert report.errors == (ItemFailure("posting 5", "Not a posting"),)
    saved = storage.tables.of(SavedJob)
    assert sorted(job.role_title or "" for job in saved.values()) == ["By id", "Engineer"]
    assert set(report.saved_job_ids) == set(saved)


async def test_an_import_of_known_postings_creates_nothing_and_counts_them_skipped() -> None:
    storage = FakeStorage()
    imports = service(storage, yielding(record(url="https://a.example/1"), record(external_id="2")))
    await imports.run(USER, UrlInput("https://a.example/board"))
    again = await imports.run(USER, UrlInput("https://a.example/board"))
    assert (again.created, again.skipped, again.saved_job_ids) == (0, 2, ())
    assert len(storage.tables.of(SavedJob)) == 2


async def test_a_twin_import_committing_between_the_lookup_and_the_insert_loses_nothing_twice() -> None:
    storage = FakeStorage()
    imports = service(storage, yielding(record(url="https://a.example/1")))
    await imports.run(USER, UrlInput("https://a.example/board"))
    storage.racing = True  # the lookup misses what the twin saved; the keys still hold
    again = await imports.run(USER, UrlInput("https://a.example/board"))
    assert (again.created, again.skipped) == (0, 1)
    assert len(storage.tables.of(SavedJob)) == 1


async def test_reading_stops_at_the_record_limit() -> None:
    storage = FakeStorage()
    imports = service(storage, yielding(*(record(external_id=str(n)) for n in range(5))), max_records=3)
    report = await imports.run(USER, UrlInput("https://a.example/board"))
    assert (report.created, report.limit_reached) == (3, True)


async def test_an_importer_that_raises_keeps_what_it_read_and_fails_its_input_once() -> None:
    storage = FakeStorage()
    imports = service(storage, yielding(record(external_id="1"), then=KeyError("jobs")))
    report = await imports.run(USER, QueryInput("acme"), importer="fixed")
    assert (report.created, report.failed) == (1, 1)
    assert report.errors == (ItemFailure("query 'acme'", "The fixed importer failed: KeyError"),)


async def test_a_file_over_the_cap_fails_once_with_its_name() -> None:
    async def read(source: ImportInput, ctx: ImportContext) -> AsyncIterator[JobRecord | ItemFailure]:
        assert isinstance(source, FileInput)
        async for _ in source.chunks:
            yield record(external_id=str(id(_)))

    storage = FakeStorage()
    imports = service(
        storage, Importer(name="csv", title="CSV", read=read, file_types=(".csv",)), max_bytes=1000
    )
    report = await imports.run(USER, FileInput("jobs.csv", chunks_of(b"x" * 600, b"y" * 600)))
    assert report.errors == (
        ItemFailure("jobs.csv", "The file is larger than 1000 bytes; stopped reading it"),
    )
    assert report.created == 1


async def test_an_import_with_nothing_to_save_opens_no_transaction() -> None:
    storage = FakeStorage()
    imports = service(storage, yielding(ItemFailure("row 1", "Bad row")))
    report = await imports.run(USER, UrlInput("https://a.example/board"))
    assert (report.created, report.failed) == (0, 1)
    assert storage.opened == []
    assert storage.activity_of(USER) == []
    assert storage.tables.progress == {}


@pytest.mark.parametrize(
    ("source", "name", "message"),
    [
        (
            UrlInput("https://a.example/"),
            "nope",
            "Unknown import source 'nope': GET /api/v1/imports/sources lists the installed ones",
        ),
        (FileInput("a.csv", chunks_of()), "fixed", "The fixed importer does not take a file"),
        (QueryInput("acme"), None, "A search query needs a source: name the importer to search with"),
    ],
)
async def test_an_input_no_importer_takes_is_refused_before_anything_is_read(
    source: ImportInput, name: str | None, message: str
) -> None:
    storage = FakeStorage()
    with pytest.raises(BusinessRuleViolation) as refused:
        await service(storage, yielding(record())).run(USER, source, importer=name)
    assert refused.value.detail == message
    assert storage.opened == []
