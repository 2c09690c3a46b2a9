"""Embedding code gets the core's validation errors before anything reaches the database (both backends)."""

from __future__ import annotations

import pytest

from offertracker_core.errors import InvalidInput
from offertracker_core.inputs import Registration
from offertracker_core.services import Services
from offertracker_storage import Argon2Passwords, JwtTokens, SqlStorage
from offertracker_storage.sql.tables import users

from .factories import count_rows


@pytest.fixture
def services(storage: SqlStorage) -> Services:
    """Services wired as the README's library example wires them (cheap argon2 parameters)."""
    passwords = Argon2Passwords(time_cost=1, memory_cost=1024, parallelism=1)
    return Services.create(storage, passwords=passwords, tokens=JwtTokens("library-test-" + "x" * 64))


async def test_a_ten_thousand_character_username_is_refused_and_nothing_is_stored(
    storage: SqlStorage, services: Services
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await services.auth.register(
            Registration(email="ada@example.com", username="x" * 10_000, password="s3cret!")
        )
    [violation] = caught.value.violations
    assert (violation.loc, violation.type, violation.ctx) == (
        ("username",),
        "string_too_long",
        {"max_length": 50},
    )
    assert caught.value.detail == "username: String should have at most 50 characters"
    assert await count_rows(storage, users) == 0
    # The same path with a valid registration does write: the count above is not empty by accident.
    await services.auth.register(Registration(email="ada@example.com", username="ada", password="s3cret!"))
    assert await count_rows(storage, users) == 1
