"""Fixtures for the core's unit tests: services wired to in-memory fakes."""

from __future__ import annotations

import pytest

from offertracker_core.entities import User
from offertracker_core.inputs import Registration
from offertracker_core.services import Services

from ..fakes import FakeClock, FakePasswords, FakeStorage, FakeTokens, RecordingPublisher, SequentialIds


@pytest.fixture
def storage() -> FakeStorage:
    return FakeStorage()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def publisher(storage: FakeStorage) -> RecordingPublisher:
    return RecordingPublisher(storage)


@pytest.fixture
def passwords() -> FakePasswords:
    return FakePasswords()


@pytest.fixture
def services(
    storage: FakeStorage, clock: FakeClock, publisher: RecordingPublisher, passwords: FakePasswords
) -> Services:
    return Services.create(
        storage, passwords=passwords, tokens=FakeTokens(), clock=clock, ids=SequentialIds(), events=publisher
    )


async def register(services: Services, username: str) -> User:
    """Register ``username`` with ``{username}@example.com`` and password ``secret1``."""
    session = await services.auth.register(
        Registration(email=f"{username}@example.com", username=username, password="secret1")
    )
    return session.user


@pytest.fixture
async def alice(services: Services) -> User:
    return await register(services, "alice")


@pytest.fixture
async def bob(services: Services) -> User:
    return await register(services, "bob")
