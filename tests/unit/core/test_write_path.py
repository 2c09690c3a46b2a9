"""The one write path: units of work record events and activity, commit, publish, and retry a lost tie."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

import pytest

from offertracker_core.entities import ResumeVersion, User
from offertracker_core.enums import ActivityAction
from offertracker_core.errors import Contention, Forbidden, InvalidInput, NotFound
from offertracker_core.events import ApplicationCreated, MilestoneReached
from offertracker_core.inputs import NewApplication, NewOutcome, NewReflection, NewResume, NewStage
from offertracker_core.services import Services
from offertracker_core.services.base import (
    APPLICATION,
    RESUME,
    WRITE_ATTEMPTS,
    check_reference,
    ensure_owned,
    ensure_owner,
    owned,
)

from ..fakes import FakeStorage, RecordingPublisher

ACME = NewApplication(company_name="Acme", role_title="Engineer")


async def test_a_write_the_database_aborted_to_break_a_tie_runs_again_and_lands_once(
    services: Services, storage: FakeStorage, publisher: RecordingPublisher, alice: User
) -> None:
    published_before = len(publisher.published)
    storage.contention = WRITE_ATTEMPTS - 1  # every attempt but the last loses

    detail = await services.applications.create(alice.id, ACME)

    assert storage.contention == 0
    assert list(storage.tables.applications) == [detail.application.id]
    created = [e for e in storage.activity_of(alice.id) if e.action == ActivityAction.APPLICATION_CREATED]
    assert len(created) == 1  # the aborted attempts left no entry behind
    new_events = publisher.published[published_before:]
    assert new_events[0] == ApplicationCreated(
        user_id=alice.id, application_id=detail.application.id, status=detail.application.status
    )
    assert [e.name for e in new_events if isinstance(e, MilestoneReached)] == ["First Application"]
    assert publisher.commits_seen[-1] == storage.commits  # published once, after the one commit


async def test_a_write_that_keeps_losing_gives_up_with_contention_and_changes_nothing(
    services: Services, storage: FakeStorage, publisher: RecordingPublisher, alice: User
) -> None:
    published = list(publisher.published)
    storage.contention = WRITE_ATTEMPTS

    with pytest.raises(Contention) as lost:
        await services.applications.create(alice.id, ACME)

    assert lost.value.detail == "The database is busy; please try again"
    assert storage.tables.applications == {}
    assert publisher.published == published


async def test_the_ownership_rule_answers_missing_and_foreign_with_the_kinds_own_messages(
    services: Services, storage: FakeStorage, alice: User, bob: User
) -> None:
    resume = await services.resumes.create(alice.id, NewResume(version_name="v1"))
    application = (await services.applications.create(alice.id, ACME)).application

    assert ensure_owned(RESUME, alice.id, resume) is resume
    with pytest.raises(NotFound, match=r"^Resume version not found$"):
        ensure_owned(RESUME, alice.id, None)
    with pytest.raises(Forbidden, match=r"^Not your resume$"):
        ensure_owned(RESUME, bob.id, resume)
    assert ensure_owner(APPLICATION, alice.id, alice.id) is None  # the rule on an owner's id alone
    with pytest.raises(NotFound, match=r"^Application not found$"):
        ensure_owner(APPLICATION, alice.id, None)
    with pytest.raises(Forbidden, match=r"^Not your application$"):
        ensure_owner(APPLICATION, bob.id, alice.id)
    async with storage.read() as uow:
        assert await owned(uow, APPLICATION, alice.id, application.id) == application
        with pytest.raises(Forbidden, match=r"^Not your application$"):
            await owned(uow, APPLICATION, bob.id, application.id)
        with pytest.raises(NotFound, match=r"^Application not found$"):
            await owned(uow, APPLICATION, alice.id, UUID(int=999))


async def test_a_reference_to_someone_elses_row_is_reported_as_missing(
    services: Services, storage: FakeStorage, alice: User, bob: User
) -> None:
    resume = await services.resumes.create(alice.id, NewResume(version_name="v1"))
    async with storage.read() as uow:
        await check_reference(uow, RESUME, alice.id, resume.id)
        await check_reference(uow, RESUME, bob.id, None)
        with pytest.raises(NotFound, match=r"^Resume version not found$"):
            await check_reference(uow, RESUME, bob.id, resume.id)
        with pytest.raises(NotFound, match=r"^Resume version not found$"):
            await check_reference(uow, RESUME, alice.id, UUID(int=999))


async def test_a_read_unit_of_work_cannot_lock_rows(storage: FakeStorage) -> None:
    async with storage.read() as uow:
        with pytest.raises(AssertionError, match="read-only"):
            await uow.owned(ResumeVersion).get_for_update(UUID(int=1))


async def test_every_update_path_refuses_invalid_changes_before_touching_storage(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    resume = await services.resumes.create(alice.id, NewResume(version_name="v1"))
    application = (await services.applications.create(alice.id, ACME)).application
    stage = await services.stages.add(alice.id, application.id, NewStage(stage_name="Phone screen"))
    outcome = await services.outcomes.create(alice.id, application.id, NewOutcome())
    reflection = await services.reflections.create(alice.id, application.id, NewReflection())
    commits = storage.commits
    too_long = "x" * 10_000
    app_id = application.id
    attempts: list[tuple[Callable[[], Awaitable[object]], tuple[str, ...]]] = [
        (lambda: services.resumes.update(alice.id, resume.id, {"version_name": too_long}), ("version_name",)),
        (lambda: services.applications.update(alice.id, app_id, {"company_name": None}), ("company_name",)),
        (
            lambda: services.stages.update(alice.id, app_id, stage.id, {"duration_minutes": 0}),
            ("duration_minutes",),
        ),
        (lambda: services.outcomes.update(alice.id, app_id, outcome.id, {"salary": -1}), ("salary",)),
        (lambda: services.reflections.update(alice.id, app_id, reflection.id, {"mood": "x"}), ("mood",)),
        (lambda: services.users.update_me(alice.id, {"display_name": too_long}), ("display_name",)),
    ]
    for update, loc in attempts:
        with pytest.raises(InvalidInput) as refused:
            await update()
        assert [v.loc for v in refused.value.violations] == [loc]
    assert storage.commits == commits
