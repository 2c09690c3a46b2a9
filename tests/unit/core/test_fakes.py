"""The fakes keep up with the ports they stand in for."""

from __future__ import annotations

import inspect
from uuid import UUID

import pytest

from offertracker_core import ports

from ..fakes import FakeStorage, FakeUnitOfWork

USER = UUID(int=1)

REPOSITORIES = {
    "users": ports.UserRepository,
    "credentials": ports.CredentialRepository,
    "resumes": ports.ResumeRepository,
    "applications": ports.ApplicationRepository,
    "stages": ports.StageRepository,
    "outcomes": ports.OutcomeRepository,
    "reflections": ports.ReflectionRepository,
    "activity": ports.ActivityRepository,
    "progress": ports.ProgressRepository,
}


def public_methods(cls: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


@pytest.mark.parametrize("name", list(REPOSITORIES))
def test_every_fake_repository_has_the_methods_of_its_port(name: str) -> None:
    fake = getattr(FakeStorage().write(), name)
    assert public_methods(REPOSITORIES[name]) <= public_methods(type(fake))


def test_the_unit_of_work_exposes_every_repository_of_the_port() -> None:
    port_properties = {n for n, v in vars(ports.UnitOfWork).items() if isinstance(v, property)}
    assert port_properties == set(REPOSITORIES)


async def overwrite_then_fail(uow: FakeUnitOfWork) -> None:
    async with uow.savepoint():
        await uow.credentials.set(USER, "dropped")
        raise RuntimeError("boom")


async def test_a_failed_savepoint_rolls_back_only_its_own_changes() -> None:
    storage = FakeStorage()
    async with storage.write() as uow:
        await uow.credentials.set(USER, "kept")
        with pytest.raises(RuntimeError):
            await overwrite_then_fail(uow)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.credentials.get(USER) == "kept"


async def test_leaving_without_commit_rolls_back() -> None:
    storage = FakeStorage()
    async with storage.write() as uow:
        await uow.credentials.set(UUID(int=1), "never committed")
    assert storage.tables.credentials == {}
    assert storage.rollbacks == 1
