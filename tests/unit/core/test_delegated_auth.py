"""``DelegatedAuthService``: accounts kept by an identity provider, profiles kept in step."""

from __future__ import annotations

from uuid import UUID

import pytest

from offertracker_core.entities import User
from offertracker_core.errors import (
    BusinessRuleViolation,
    EmailNotConfirmed,
    InvalidCredentials,
    InvalidToken,
    Unavailable,
    WrongPassword,
)
from offertracker_core.inputs import AccountDeletion, Credentials, PasswordChange, Registration
from offertracker_core.services import Services
from offertracker_core.services.delegated_auth import username_candidates

from ..fakes import FakeClock, FakeIdentity, FakeStorage, SequentialIds


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture
def identity(clock: FakeClock, ids: SequentialIds) -> FakeIdentity:
    return FakeIdentity(clock, ids)


@pytest.fixture
def services(storage: FakeStorage, clock: FakeClock, identity: FakeIdentity, ids: SequentialIds) -> Services:
    return Services.create(storage, identity=identity, verifier=identity, clock=clock, ids=ids)


def _registration(username: str = "alice", **extra: str) -> Registration:
    return Registration(
        email=f"{username.capitalize()}@Example.com", username=username, password="secret1", **extra
    )


def _profiles(storage: FakeStorage) -> dict[str, User]:
    return {user.username: user for user in storage.tables.of(User).values()}


async def test_register_makes_the_provider_account_and_the_profile_under_one_id(
    services: Services, storage: FakeStorage, identity: FakeIdentity
) -> None:
    session = await services.auth.register(_registration(display_name="Alice A."))
    [account] = identity.accounts.values()
    assert session.user.id == account.id
    assert account.email == "alice@example.com"
    assert account.metadata == {"username": "alice", "display_name": "Alice A."}
    assert _profiles(storage)["alice"].email == "alice@example.com"
    assert storage.milestones_of(account.id) == ["Getting Started"]
    assert (await services.auth.authenticate(session.access_token)).user_id == account.id


async def test_a_taken_username_is_refused_before_the_provider_makes_an_account(
    services: Services, identity: FakeIdentity
) -> None:
    await services.auth.register(_registration())
    with pytest.raises(BusinessRuleViolation, match=r"^Username already taken$"):
        await services.auth.register(
            Registration(email="other@example.com", username="alice", password="secret1")
        )
    assert len(identity.accounts) == 1


async def test_an_email_the_provider_knows_is_an_email_already_taken(
    services: Services, storage: FakeStorage, identity: FakeIdentity
) -> None:
    identity.add_account("alice@example.com", "elsewhere")  # someone else's password
    with pytest.raises(BusinessRuleViolation, match=r"^Email already taken$"):
        await services.auth.register(_registration())
    assert _profiles(storage) == {}


async def test_registering_again_finishes_a_sign_up_whose_answer_was_lost(
    services: Services, storage: FakeStorage, identity: FakeIdentity
) -> None:
    # The provider made the account, then the answer timed out: no profile was written.
    user_id = identity.add_account("alice@example.com", "secret1", {"username": "alice"})
    with pytest.raises(BusinessRuleViolation, match=r"^Email already taken$"):
        await services.auth.register(
            Registration(email="alice@example.com", username="alice", password="not-it")
        )
    session = await services.auth.register(_registration())
    assert session.user.id == user_id
    assert list(_profiles(storage)) == ["alice"]
    with pytest.raises(BusinessRuleViolation, match=r"^Email already taken$"):
        await services.auth.register(
            Registration(email="alice@example.com", username="other", password="secret1")
        )


async def test_a_profile_that_cannot_be_written_takes_the_provider_account_back(
    services: Services, storage: FakeStorage, identity: FakeIdentity
) -> None:
    await services.auth.register(_registration())
    # A twin registering "alice" again commits between our look-up and our insert.
    storage.racing = True
    with pytest.raises(BusinessRuleViolation, match=r"^Username already taken$"):
        await services.auth.register(
            Registration(email="twin@example.com", username="alice", password="secret1")
        )
    assert [a.email for a in identity.accounts.values()] == ["alice@example.com"]
    assert len(_profiles(storage)) == 1


async def test_the_provider_being_down_at_sign_up_writes_no_profile(
    services: Services, storage: FakeStorage, identity: FakeIdentity
) -> None:
    identity.down = True
    with pytest.raises(Unavailable):
        await services.auth.register(_registration())
    assert _profiles(storage) == {}


async def test_a_project_confirming_emails_gets_a_400_and_the_profile_waits_for_the_login(
    services: Services, storage: FakeStorage, identity: FakeIdentity
) -> None:
    identity.confirm_email = True
    with pytest.raises(EmailNotConfirmed) as refused:
        await services.auth.register(_registration())
    assert refused.value.detail == (
        "Account created: confirm your email address with the link sent to it, then log in"
    )
    assert list(_profiles(storage)) == ["alice"]
    with pytest.raises(EmailNotConfirmed):
        await services.auth.login(Credentials(email="alice@example.com", password="secret1"))
    next(iter(identity.accounts.values())).confirmed = True
    session = await services.auth.login(Credentials(email="ALICE@example.com", password="secret1"))
    assert session.user.username == "alice"


async def test_login_with_a_wrong_password_is_the_usual_401(services: Services) -> None:
    await services.auth.register(_registration())
    with pytest.raises(InvalidCredentials, match=r"^Incorrect email or password$"):
        await services.auth.login(Credentials(email="alice@example.com", password="wrong-1"))


async def test_login_of_an_account_made_at_the_provider_makes_its_profile(
    services: Services, storage: FakeStorage, identity: FakeIdentity
) -> None:
    user_id = identity.add_account("carol@example.com", "secret1", {"username": "carol", "display_name": "C"})
    session = await services.auth.login(Credentials(email="carol@example.com", password="secret1"))
    assert (session.user.id, session.user.username, session.user.display_name) == (user_id, "carol", "C")
    assert session.user.streak_days == 1
    assert storage.milestones_of(user_id) == ["Getting Started"]


async def test_a_verified_token_without_a_profile_gets_one_named_after_its_claims(
    services: Services, storage: FakeStorage, identity: FakeIdentity
) -> None:
    await services.auth.register(_registration())
    # Made at the provider with a username another profile holds: the start of its id is appended.
    user_id = identity.add_account("alice2@example.com", "secret1", {"username": "alice"})
    claims = await services.auth.authenticate(identity.token(user_id))
    assert claims.user_id == user_id
    assert _profiles(storage)[f"alice-{user_id.hex[:8]}"].email == "alice2@example.com"


async def test_a_token_whose_email_another_profile_holds_is_an_unknown_user(
    services: Services, identity: FakeIdentity
) -> None:
    await services.auth.register(_registration())
    # An account made at the provider outside OfferTracker, for an address a profile already has.
    stray = identity.add_account("alice@example.com", "secret1")
    with pytest.raises(InvalidToken, match=r"^Invalid or expired token: unknown user$"):
        await services.auth.authenticate(identity.token(stray))


def test_username_candidates_fall_back_to_the_email_then_to_the_id() -> None:
    user_id = UUID(int=0xABCDEF)
    hexed = user_id.hex
    assert username_candidates(user_id, "bo@example.com", {"username": "x"}) == [
        f"bo-{hexed[:8]}",
        f"user-{hexed}",
    ]
    assert username_candidates(user_id, "bob@example.com", {"username": "robert"})[0] == "robert"
    assert all(3 <= len(name) <= 50 for name in username_candidates(user_id, "a" * 80 + "@x.io", {}))


async def test_logout_signs_out_at_the_provider_and_refuses_older_tokens(
    services: Services, clock: FakeClock, identity: FakeIdentity
) -> None:
    session = await services.auth.register(_registration())
    clock.advance(seconds=1)
    await services.auth.logout(session.user.id, session.access_token)
    assert identity.signed_out == [session.access_token]
    with pytest.raises(InvalidToken, match="token has been revoked"):
        await services.auth.authenticate(session.access_token)
    fresh = await services.auth.login(Credentials(email="alice@example.com", password="secret1"))
    assert (await services.auth.authenticate(fresh.access_token)).user_id == session.user.id


async def test_change_password_checks_the_current_one_at_the_provider(
    services: Services, clock: FakeClock, identity: FakeIdentity
) -> None:
    session = await services.auth.register(_registration())
    user_id = session.user.id
    with pytest.raises(WrongPassword, match=r"^Current password is incorrect$"):
        await services.auth.change_password(
            user_id, PasswordChange(current_password="wrong-1", new_password="n3w-pass")
        )
    assert identity.accounts[user_id].password == "secret1"
    clock.advance(seconds=1)
    changed = await services.auth.change_password(
        user_id, PasswordChange(current_password="secret1", new_password="n3w-pass")
    )
    assert identity.accounts[user_id].password == "n3w-pass"
    assert (await services.auth.authenticate(changed.access_token)).user_id == user_id
    with pytest.raises(InvalidToken, match="token has been revoked"):
        await services.auth.authenticate(session.access_token)


async def test_account_deletion_with_the_provider_down_can_be_tried_again_with_the_same_token(
    services: Services, storage: FakeStorage, identity: FakeIdentity
) -> None:
    session = await services.auth.register(_registration())
    user_id = session.user.id
    working_delete = identity.delete_user

    async def delete_fails(_: object) -> None:
        raise Unavailable("Supabase Auth is unavailable (unreachable); please try again")

    identity.delete_user = delete_fails  # type: ignore[method-assign]
    with pytest.raises(Unavailable):
        await services.auth.delete_account(user_id, AccountDeletion(password="secret1"))
    assert _profiles(storage) == {}  # the data went first
    assert user_id in identity.accounts
    identity.delete_user = working_delete  # type: ignore[method-assign]
    # The token still verifies; its user gets an empty profile, which the retry deletes.
    await services.auth.authenticate(session.access_token)
    await services.auth.delete_account(user_id, AccountDeletion(password="secret1"))
    assert _profiles(storage) == {}
    assert identity.accounts == {}


async def test_account_deletion_removes_the_profile_and_the_provider_account(
    services: Services, storage: FakeStorage, identity: FakeIdentity
) -> None:
    session = await services.auth.register(_registration())
    with pytest.raises(WrongPassword, match=r"^Password is incorrect$"):
        await services.auth.delete_account(session.user.id, AccountDeletion(password="wrong-1"))
    await services.auth.delete_account(session.user.id, AccountDeletion(password="secret1"))
    assert _profiles(storage) == {}
    assert identity.accounts == {}


async def test_a_deleted_accounts_token_is_an_unknown_user_and_brings_no_profile_back(
    services: Services, storage: FakeStorage, identity: FakeIdentity
) -> None:
    session = await services.auth.register(_registration())
    await services.auth.delete_account(session.user.id, AccountDeletion(password="secret1"))
    # The provider's token still verifies (it lives until it expires); the account is gone.
    with pytest.raises(InvalidToken, match=r"^Invalid or expired token: unknown user$"):
        await services.auth.authenticate(session.access_token)
    assert _profiles(storage) == {}
    # Asked once: the provider's ids are never reused, so "gone" is remembered.
    identity.down = True
    with pytest.raises(InvalidToken, match=r"^Invalid or expired token: unknown user$"):
        await services.auth.authenticate(session.access_token)


async def test_a_token_without_a_profile_is_not_taken_while_the_provider_cannot_say_it_exists(
    services: Services, storage: FakeStorage, identity: FakeIdentity
) -> None:
    user_id = identity.add_account("carol@example.com", "secret1", {"username": "carol"})
    token = identity.token(user_id)
    identity.down = True
    with pytest.raises(Unavailable):
        await services.auth.authenticate(token)
    assert _profiles(storage) == {}
    identity.down = False
    assert (await services.auth.authenticate(token)).user_id == user_id
    assert _profiles(storage)["carol"].email == "carol@example.com"
