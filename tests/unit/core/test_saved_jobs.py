"""Saved jobs through the service: defaults, the Converted rules, conversion and what it counts."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import attrs
import pytest

from offertracker_core.entities import Application, SavedJob, User
from offertracker_core.enums import (
    ActivityAction,
    ApplicationStatus,
    JobType,
    Priority,
    SavedJobStatus,
    Source,
    WorkMode,
)
from offertracker_core.errors import BusinessRuleViolation, Forbidden, InvalidInput, NotFound
from offertracker_core.events import ApplicationCreated, MilestoneReached
from offertracker_core.inputs import NewSavedJob
from offertracker_core.milestones import milestone_id
from offertracker_core.ports import ProgressTotals
from offertracker_core.services import Services
from offertracker_core.services.base import WRITE_ATTEMPTS
from offertracker_core.services.saved_jobs import application_from

from ..fakes import FakeClock, FakeStorage, RecordingPublisher

POSTING = NewSavedJob(
    company_name="Globex",
    role_title="Platform Engineer",
    url="https://globex.example/jobs/7",
    company_website="https://globex.example",
    location="Lisbon",
    job_type=JobType.CONTRACT,
    work_mode=WorkMode.REMOTE,
    salary_range_min=60_000,
    salary_range_max=80_000,
    salary_currency="EUR",
    priority=Priority.HIGH,
    source="Referral",
    notes="Ask about the team.",
    deadline=date(2026, 4, 1),
    excitement_level=5,
)


async def test_a_new_saved_job_is_active_unconverted_and_unlogged(
    services: Services, storage: FakeStorage, clock: FakeClock, alice: User
) -> None:
    saved = await services.saved_jobs.create(alice.id, NewSavedJob(company_name="Acme"))
    assert saved == SavedJob(
        id=saved.id,
        user_id=alice.id,
        company_name="Acme",
        role_title=None,
        url=None,
        company_website=None,
        location=None,
        job_type=None,
        work_mode=None,
        salary_range_min=None,
        salary_range_max=None,
        salary_currency="USD",
        priority=Priority.MEDIUM,
        source=None,
        notes=None,
        deadline=None,
        excitement_level=None,
        status=SavedJobStatus.ACTIVE,
        converted_to_application_id=None,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    assert await services.saved_jobs.get(alice.id, saved.id) == saved
    assert storage.activity_of(alice.id) == []
    assert (await services.users.me(alice.id)).streak_days == 1  # a tracked action


def test_the_application_takes_every_field_a_saved_job_shares_with_it(clock: FakeClock) -> None:
    saved = SavedJob(
        id=UUID(int=1),
        user_id=UUID(int=2),
        **attrs.asdict(POSTING, recurse=False),
        status=SavedJobStatus.ARCHIVED,
        converted_to_application_id=None,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    now = clock.now()
    assert application_from(saved, UUID(int=3), now) == Application(
        id=UUID(int=3),
        user_id=UUID(int=2),
        company_name="Globex",
        role_title="Platform Engineer",
        url="https://globex.example/jobs/7",
        description=None,
        location="Lisbon",
        job_type=JobType.CONTRACT,
        work_mode=WorkMode.REMOTE,
        salary_min=60_000,
        salary_max=80_000,
        salary_currency="EUR",
        applied_source=Source.REFERRAL,
        applied_date=None,
        follow_up_date=None,
        priority=Priority.HIGH,
        notes="Ask about the team.",
        status=ApplicationStatus.SAVED,
        resume_version_id=None,
        created_at=now,
        updated_at=now,
    )
    untitled = application_from(attrs.evolve(saved, role_title=None, source="a friend"), UUID(int=3), now)
    assert (untitled.role_title, untitled.applied_source) == ("Untitled role", None)


async def test_converting_creates_the_application_links_it_and_counts_it(
    services: Services, storage: FakeStorage, publisher: RecordingPublisher, clock: FakeClock, alice: User
) -> None:
    saved = await services.saved_jobs.create(alice.id, POSTING)
    publisher.published.clear()
    clock.advance(seconds=5)

    detail = await services.saved_jobs.convert(alice.id, saved.id)

    application = detail.application
    assert application == application_from(saved, application.id, clock.now())
    assert (detail.stages, detail.outcome, detail.reflection) == ((), None, None)
    assert await services.applications.get(alice.id, application.id) == detail
    assert await services.saved_jobs.get(alice.id, saved.id) == attrs.evolve(
        saved,
        status=SavedJobStatus.CONVERTED,
        converted_to_application_id=application.id,
        updated_at=clock.now(),
    )
    [entry] = storage.activity_of(alice.id)
    assert (entry.action, entry.description, entry.metadata, entry.application_id, entry.created_at) == (
        ActivityAction.APPLICATION_CREATED,
        "Converted saved job to application: Globex — Platform Engineer",
        {"source": "saved_job", "saved_job_id": str(saved.id)},
        application.id,
        clock.now(),
    )
    assert publisher.published == [
        ApplicationCreated(user_id=alice.id, application_id=application.id, status=ApplicationStatus.SAVED),
        MilestoneReached(
            user_id=alice.id, milestone_id=milestone_id("First Application"), name="First Application"
        ),
    ]
    assert storage.milestones_of(alice.id) == ["Getting Started", "First Application"]
    async with storage.read() as uow:
        assert await uow.progress.totals(alice.id) == ProgressTotals(applications=1)
        assert await uow.progress.recount(alice.id) == ProgressTotals(applications=1)


async def test_a_converted_saved_job_is_not_converted_again(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    saved = await services.saved_jobs.create(alice.id, POSTING)
    await services.saved_jobs.convert(alice.id, saved.id)
    commits = storage.commits
    with pytest.raises(
        BusinessRuleViolation, match=r"^This saved job has already been converted to an application\.$"
    ):
        await services.saved_jobs.convert(alice.id, saved.id)
    assert storage.commits == commits
    assert len(storage.tables.applications) == 1


async def test_converted_cannot_be_set_by_an_update(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    saved = await services.saved_jobs.create(alice.id, POSTING)
    commits = storage.commits
    with pytest.raises(BusinessRuleViolation) as refused:
        await services.saved_jobs.update(
            alice.id, saved.id, {"status": SavedJobStatus.CONVERTED, "notes": "x"}
        )
    assert refused.value.detail == (
        "Use POST /saved-jobs/{id}/convert to convert a saved job to an application."
    )
    assert storage.commits == commits
    assert await services.saved_jobs.get(alice.id, saved.id) == saved


async def test_a_convert_the_database_aborted_runs_again_and_makes_one_application(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    saved = await services.saved_jobs.create(alice.id, POSTING)
    storage.contention = WRITE_ATTEMPTS - 1

    detail = await services.saved_jobs.convert(alice.id, saved.id)

    assert list(storage.tables.applications) == [detail.application.id]
    assert len(storage.activity_of(alice.id)) == 1
    async with storage.read() as uow:
        assert await uow.progress.totals(alice.id) == ProgressTotals(applications=1)


async def test_someone_elses_saved_job_is_forbidden_and_a_missing_one_not_found(
    services: Services, storage: FakeStorage, alice: User, bob: User
) -> None:
    saved = await services.saved_jobs.create(alice.id, POSTING)
    commits = storage.commits
    attempts = [
        lambda job_id, who: services.saved_jobs.get(who, job_id),
        lambda job_id, who: services.saved_jobs.update(who, job_id, {"notes": "bob"}),
        lambda job_id, who: services.saved_jobs.delete(who, job_id),
        lambda job_id, who: services.saved_jobs.convert(who, job_id),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden, match=r"^Not your saved job$"):
            await attempt(saved.id, bob.id)
        with pytest.raises(NotFound, match=r"^Saved job not found$"):
            await attempt(UUID(int=999), alice.id)
    assert storage.commits == commits
    assert await services.saved_jobs.get(alice.id, saved.id) == saved
    assert storage.tables.applications == {}


def test_library_callers_meet_the_excitement_and_salary_bounds() -> None:
    for changes, loc in (
        ({"excitement_level": 0}, "excitement_level"),
        ({"excitement_level": 6}, "excitement_level"),
        ({"salary_range_min": -1}, "salary_range_min"),
        ({"source": "s" * 256}, "source"),
    ):
        with pytest.raises(InvalidInput) as refused:
            NewSavedJob(company_name="Acme", **changes)  # type: ignore[arg-type]
        assert [v.loc for v in refused.value.violations] == [(loc,)]


async def test_an_update_refuses_invalid_changes_before_touching_storage(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    saved = await services.saved_jobs.create(alice.id, POSTING)
    commits = storage.commits
    for changes, loc in (
        ({"status": None}, "status"),
        ({"company_name": None}, "company_name"),
        ({"excitement_level": 9}, "excitement_level"),
    ):
        with pytest.raises(InvalidInput) as refused:
            await services.saved_jobs.update(alice.id, saved.id, changes)  # type: ignore[arg-type]
        assert [v.loc for v in refused.value.violations] == [(loc,)]
    assert storage.commits == commits
