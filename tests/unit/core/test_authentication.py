"""``AuthService.authenticate``: a valid token counts only while its user exists."""

from __future__ import annotations

from uuid import UUID

import pytest

from offertracker_core.entities import User
from offertracker_core.errors import InvalidToken
from offertracker_core.services import Services

from ..fakes import FakeClock, FakeStorage


async def test_a_valid_token_of_a_user_that_never_existed_is_invalid(
    services: Services, storage: FakeStorage
) -> None:
    with pytest.raises(InvalidToken) as refused:
        await services.auth.authenticate(f"token:{UUID(int=999)}")
    assert refused.value.detail == "Invalid or expired token: unknown user"


async def test_a_registered_user_is_authenticated_without_asking_storage(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    opened = len(storage.opened)
    assert (await services.auth.authenticate(f"token:{alice.id}")).user_id == alice.id
    assert storage.opened[opened:] == []


async def test_a_deleted_user_passes_until_the_lifetime_ends_then_is_invalid(
    services: Services, storage: FakeStorage, clock: FakeClock, alice: User
) -> None:
    del storage.tables.users[alice.id]
    clock.advance(seconds=4.999)
    assert (await services.auth.authenticate(f"token:{alice.id}")).user_id == alice.id
    clock.advance(seconds=0.001)
    with pytest.raises(InvalidToken) as refused:
        await services.auth.authenticate(f"token:{alice.id}")
    assert refused.value.detail == "Invalid or expired token: unknown user"


async def test_a_forgotten_user_is_looked_up_again_at_once(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    services.auth.known_users.forget(alice.id)
    opened = len(storage.opened)
    await services.auth.authenticate(f"token:{alice.id}")
    await services.auth.authenticate(f"token:{alice.id}")
    assert storage.opened[opened:] == ["read"]


async def test_an_unknown_user_is_asked_about_again_on_every_request(
    services: Services, storage: FakeStorage
) -> None:
    # Only existence is remembered: a refusal is never cached, so an id that a
    # concurrent registration is about to create is not shut out for the lifetime.
    opened = len(storage.opened)
    for _ in range(2):
        with pytest.raises(InvalidToken):
            await services.auth.authenticate(f"token:{UUID(int=999)}")
    assert storage.opened[opened:] == ["read", "read"]
