"""A write costs one trip to where its connection lives, however many statements it runs.

SQLite runs a service's whole write block and its commit in one hop to the writer
thread; PostgreSQL runs it in one hop to a worker thread holding a pooled connection. These tests
count those trips around real service calls.
"""

from __future__ import annotations

import secrets

import pytest

from offertracker_core.enums import ApplicationStatus
from offertracker_core.inputs import NewApplication, NewStage, Registration
from offertracker_core.services import Services
from offertracker_storage import Argon2Passwords, JwtTokens, SqlStorage
from offertracker_storage.sql.uow import InlineUnitOfWork, run_to_end

from .trips import trips


@pytest.fixture
async def services(storage: SqlStorage) -> Services:
    return Services.create(storage, passwords=Argon2Passwords(), tokens=JwtTokens(secrets.token_urlsafe(32)))


async def test_a_create_with_its_bookkeeping_and_log_is_one_trip(
    storage: SqlStorage, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = await services.auth.register(
        Registration(email="ada@example.com", username="ada", password="secret1")
    )
    with trips(storage, monkeypatch, sqlite="_write_thread") as seen:
        created = await services.applications.create(
            session.user.id, NewApplication(company_name="Acme", role_title="Engineer")
        )
    assert len(seen) == 1
    # ... and everything it wrote is there: the application, its log entry, the milestone, the streak.
    detail = await services.applications.get(session.user.id, created.application.id)
    assert detail.application.company_name == "Acme"
    async with storage.read() as uow:
        user = await uow.users.get(session.user.id)
        held = await uow.progress.awarded_milestone_ids(session.user.id)
    assert user is not None
    assert user.streak_days == 1
    assert len(held) == 2  # Getting Started, First Application


async def test_a_stage_that_moves_the_application_is_one_trip(
    storage: SqlStorage, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = await services.auth.register(
        Registration(email="ada@example.com", username="ada", password="secret1")
    )
    applied = NewApplication(company_name="Acme", role_title="Engineer", status=ApplicationStatus.APPLIED)
    app_id = (await services.applications.create(session.user.id, applied)).application.id
    with trips(storage, monkeypatch, sqlite="_write_thread") as seen:
        await services.stages.add(session.user.id, app_id, NewStage(stage_name="Phone screen"))
    assert len(seen) == 1
    detail = await services.applications.get(session.user.id, app_id)
    assert (detail.application.status, len(detail.stages)) == (ApplicationStatus.INTERVIEWING, 1)


def test_a_unit_of_work_that_awaits_anything_else_is_refused() -> None:
    async def sleeps(uow: InlineUnitOfWork) -> None:
        import asyncio

        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="awaited something other than its own storage calls"):
        run_to_end(sleeps(None))  # type: ignore[arg-type]
