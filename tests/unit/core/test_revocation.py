"""``AuthService``: logout, password change and account deletion end tokens (ours)."""

from __future__ import annotations

from datetime import timedelta
from typing import get_type_hints

import pytest

from offertracker_core.entities import User
from offertracker_core.errors import BusinessRuleViolation, InvalidCredentials, InvalidToken
from offertracker_core.inputs import AccountDeletion, Credentials, PasswordChange, Registration
from offertracker_core.services import Services
from offertracker_core.services.auth import issued_in_time

from ..fakes import FakeClock, FakePasswords, FakeStorage, FakeTokens, SequentialIds
from .conftest import register


@pytest.fixture
def services(storage: FakeStorage, clock: FakeClock, passwords: FakePasswords) -> Services:
    """Services whose tokens say when they were issued (``token:<id>@<time>``)."""
    return Services.create(
        storage, passwords=passwords, tokens=FakeTokens(clock), clock=clock, ids=SequentialIds()
    )


async def _login(services: Services, password: str = "secret1") -> str:
    return (await services.auth.login(Credentials(email="alice@example.com", password=password))).access_token


async def test_logout_refuses_tokens_issued_before_it_even_remembered_ones(
    services: Services, clock: FakeClock, alice: User
) -> None:
    token = await _login(services)
    assert (await services.auth.authenticate(token)).user_id == alice.id
    clock.advance(seconds=0.000001)
    await services.auth.logout(alice.id)
    with pytest.raises(InvalidToken) as refused:
        await services.auth.authenticate(token)
    assert refused.value.detail == "Invalid or expired token: token has been revoked"
    clock.advance(seconds=0.000001)
    assert (await services.auth.authenticate(await _login(services))).user_id == alice.id


async def test_a_token_issued_at_the_instant_of_the_revocation_counts_as_after_it() -> None:
    at = FakeClock().now()
    assert issued_in_time(at, at)
    assert not issued_in_time(at - timedelta(microseconds=1), at)
    # A token that does not say when it was issued passes only until the first revocation.
    assert issued_in_time(None, at.replace(year=1970, month=1, day=1, hour=0, minute=0, second=0))
    assert not issued_in_time(None, at)


async def test_a_revocation_elsewhere_is_honoured_once_the_memory_expires(
    services: Services, storage: FakeStorage, clock: FakeClock, alice: User
) -> None:
    token = await _login(services)
    await services.auth.authenticate(token)
    clock.advance(seconds=1)
    storage.tables.tokens_valid_after[alice.id] = clock.now()  # another process logged Alice out
    clock.advance(seconds=3.999)
    await services.auth.authenticate(token)
    clock.advance(seconds=0.001)
    with pytest.raises(InvalidToken):
        await services.auth.authenticate(token)


async def test_a_wrong_current_password_changes_nothing(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    token = await _login(services)
    before = storage.tables.clone()
    with pytest.raises(BusinessRuleViolation) as refused:
        await services.auth.change_password(alice.id, PasswordChange("wrong one", "new secret"))
    assert refused.value.detail == "Current password is incorrect"
    assert storage.tables == before
    await services.auth.authenticate(token)


async def test_a_password_change_ends_older_tokens_and_signs_in_afresh(
    services: Services, storage: FakeStorage, clock: FakeClock, passwords: FakePasswords, alice: User
) -> None:
    old = await _login(services)
    await services.auth.authenticate(old)
    clock.advance(seconds=0.000001)  # this clock stands still; a token of the same instant would pass
    session = await services.auth.change_password(alice.id, PasswordChange("secret1", "new secret"))
    assert session.user == storage.tables.users[alice.id]
    assert passwords.hashed[-1] == "new secret"
    assert (await services.auth.authenticate(session.access_token)).user_id == alice.id
    with pytest.raises(InvalidToken):
        await services.auth.authenticate(old)
    with pytest.raises(InvalidCredentials):
        await _login(services)
    await _login(services, "new secret")


async def test_deleting_an_account_needs_its_password_and_then_forgets_the_user(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    bob = await register(services, "bob")
    token = await _login(services)
    await services.auth.authenticate(token)
    with pytest.raises(BusinessRuleViolation) as refused:
        await services.auth.delete_account(alice.id, AccountDeletion("wrong one"))
    assert refused.value.detail == "Password is incorrect"
    assert alice.id in storage.tables.users

    await services.auth.delete_account(alice.id, AccountDeletion("secret1"))

    assert set(storage.tables.users) == {bob.id}
    assert alice.id not in storage.tables.credentials
    assert all(um.user_id != alice.id for um in storage.tables.user_milestones.values())
    with pytest.raises(InvalidToken) as refused_token:
        await services.auth.authenticate(token)
    assert refused_token.value.detail == "Invalid or expired token: unknown user"


def test_every_password_a_caller_types_has_the_bounds_of_registration() -> None:
    # One rule for every password input, so a change to registration's bounds cannot miss these.
    bounds = get_type_hints(Registration, include_extras=True)["password"]
    assert get_type_hints(PasswordChange, include_extras=True)["new_password"] == bounds
    assert get_type_hints(PasswordChange, include_extras=True)["current_password"] == bounds
    assert get_type_hints(AccountDeletion, include_extras=True)["password"] == bounds
    assert get_type_hints(Credentials, include_extras=True)["password"] == bounds
