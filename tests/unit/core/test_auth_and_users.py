"""Registration, login, tokens and profiles through the services (behaviour.md §2–§3)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from offertracker_core.entities import User
from offertracker_core.enums import ProfileVisibility
from offertracker_core.errors import (
    BusinessRuleViolation,
    Forbidden,
    InvalidCredentials,
    InvalidToken,
    NotFound,
)
from offertracker_core.events import MilestoneReached
from offertracker_core.inputs import Credentials, Registration
from offertracker_core.milestones import milestone_id
from offertracker_core.services import Services

from ..fakes import FakeClock, FakePasswords, FakeStorage, RecordingPublisher
from .conftest import register


async def test_registering_creates_a_private_profile_and_signs_it_in(
    services: Services, storage: FakeStorage, clock: FakeClock
) -> None:
    session = await services.auth.register(
        Registration(email="Alice@Example.COM", username="alice", password="secret1")
    )
    user = session.user
    assert session.token_type == "bearer"
    assert session.access_token == f"token:{user.id}"
    assert user.email == "alice@example.com"
    assert user.display_name == "alice"
    assert user.profile_visibility == ProfileVisibility.PRIVATE
    assert user.is_profile_public is False
    assert (user.streak_days, user.last_active_date, user.bio) == (0, None, None)
    assert user.created_at == user.updated_at == clock.now()
    assert storage.tables.users[user.id] == user
    assert storage.tables.credentials[user.id] == "plain:secret1"


async def test_registering_keeps_a_given_display_name(services: Services) -> None:
    session = await services.auth.register(
        Registration(email="a@example.com", username="alice", password="secret1", display_name="Alice A.")
    )
    assert session.user.display_name == "Alice A."


async def test_registering_awards_getting_started_and_publishes_it_after_commit(
    services: Services, storage: FakeStorage, publisher: RecordingPublisher
) -> None:
    user = await register(services, "alice")
    assert storage.milestones_of(user.id) == ["Getting Started"]
    assert publisher.published == [
        MilestoneReached(
            user_id=user.id, milestone_id=milestone_id("Getting Started"), name="Getting Started"
        )
    ]
    assert publisher.commits_seen == [1]


async def test_a_taken_username_is_reported_before_a_taken_email(services: Services, alice: User) -> None:
    with pytest.raises(BusinessRuleViolation) as taken:
        await services.auth.register(
            Registration(email="alice@example.com", username="alice", password="x" * 6)
        )
    assert taken.value.detail == "Username already taken"


async def test_a_taken_email_is_reported_whatever_its_case(services: Services, alice: User) -> None:
    with pytest.raises(BusinessRuleViolation) as taken:
        await services.auth.register(
            Registration(email="ALICE@example.com", username="alice2", password="x" * 6)
        )
    assert taken.value.detail == "Email already taken"


@pytest.mark.parametrize(
    ("username", "email", "message"),
    [
        ("alice", "new@example.com", "Username already taken"),
        ("alice2", "alice@example.com", "Email already taken"),
    ],
)
async def test_a_registration_race_lost_in_the_database_gets_the_same_message(
    services: Services, storage: FakeStorage, alice: User, username: str, email: str, message: str
) -> None:
    storage.racing = True
    with pytest.raises(BusinessRuleViolation) as taken:
        await services.auth.register(Registration(email=email, username=username, password="secret1"))
    assert taken.value.detail == message
    assert len(storage.tables.users) == 1


async def test_login_signs_in_with_any_case_of_the_email(services: Services, alice: User) -> None:
    session = await services.auth.login(Credentials(email="ALICE@example.com", password="secret1"))
    assert session.user.id == alice.id
    assert session.access_token == f"token:{alice.id}"


@pytest.mark.parametrize(
    ("email", "password"), [("alice@example.com", "wrong-password"), ("nobody@example.com", "secret1")]
)
async def test_a_bad_login_never_says_which_half_was_wrong(
    services: Services, alice: User, email: str, password: str
) -> None:
    with pytest.raises(InvalidCredentials) as failed:
        await services.auth.login(Credentials(email=email, password=password))
    assert failed.value.detail == "Incorrect email or password"


async def test_an_unknown_email_still_costs_a_password_hash(
    services: Services, passwords: FakePasswords, alice: User
) -> None:
    await passwords.hash("reset")
    passwords.hashed.clear()
    with pytest.raises(InvalidCredentials):
        await services.auth.login(Credentials(email="nobody@example.com", password="guess12"))
    assert passwords.hashed == ["guess12"]


async def test_login_counts_towards_the_streak(services: Services, clock: FakeClock, alice: User) -> None:
    first = await services.auth.login(Credentials(email="alice@example.com", password="secret1"))
    assert (first.user.streak_days, first.user.last_active_date) == (1, date(2026, 3, 1))
    again = await services.auth.login(Credentials(email="alice@example.com", password="secret1"))
    assert again.user.streak_days == 1
    clock.advance(days=1)
    next_day = await services.auth.login(Credentials(email="alice@example.com", password="secret1"))
    assert (next_day.user.streak_days, next_day.user.last_active_date) == (2, date(2026, 3, 2))
    assert next_day.user.updated_at == clock.now()
    clock.advance(days=2)
    after_a_gap = await services.auth.login(Credentials(email="alice@example.com", password="secret1"))
    assert after_a_gap.user.streak_days == 1
    assert (await services.users.me(alice.id)).streak_days == 1


async def test_authenticate_returns_the_verified_claims(services: Services, alice: User) -> None:
    assert (await services.auth.authenticate(f"token:{alice.id}")).user_id == alice.id
    with pytest.raises(InvalidToken):
        await services.auth.authenticate("forged")


async def test_me_of_a_vanished_account_is_not_found(services: Services) -> None:
    with pytest.raises(NotFound) as missing:
        await services.users.me(UUID(int=999))
    assert missing.value.detail == "User not found"


async def test_updating_my_profile_syncs_visibility_and_bumps_updated_at(
    services: Services, clock: FakeClock, alice: User
) -> None:
    clock.advance(seconds=30)
    updated = await services.users.update_me(alice.id, {"is_profile_public": True, "bio": "hello"})
    assert (updated.profile_visibility, updated.is_profile_public, updated.bio) == (
        ProfileVisibility.PUBLIC,
        True,
        "hello",
    )
    assert updated.updated_at == clock.now()
    assert await services.users.me(alice.id) == updated
    with pytest.raises(NotFound):
        await services.users.update_me(UUID(int=999), {"bio": "x"})


@pytest.mark.parametrize("q", ["", "   ", "\t"])
async def test_a_blank_search_is_empty_without_touching_storage(
    services: Services, storage: FakeStorage, alice: User, q: str
) -> None:
    opened = list(storage.opened)
    assert await services.users.search(alice.id, q, 0, 20) == []
    assert storage.opened == opened


async def test_search_finds_only_profiles_the_caller_may_see(services: Services, alice: User) -> None:
    carol = await register(services, "carol")
    await services.users.update_me(carol.id, {"profile_visibility": ProfileVisibility.PUBLIC})
    await register(services, "carlos")  # private
    found = await services.users.search(alice.id, " CAR ", 0, 20)
    assert [u.username for u in found] == ["carol"]
    assert found[0].profile_visibility == ProfileVisibility.PUBLIC


async def test_a_private_profile_is_forbidden_to_others_but_not_to_its_owner(
    services: Services, alice: User, bob: User
) -> None:
    assert await services.users.profile(alice.id, alice.id) == alice
    with pytest.raises(Forbidden) as private:
        await services.users.profile(bob.id, alice.id)
    assert private.value.detail == "Profile is private"


async def test_a_followers_profile_opens_to_followers(
    services: Services, storage: FakeStorage, alice: User, bob: User
) -> None:
    await services.users.update_me(alice.id, {"profile_visibility": ProfileVisibility.FOLLOWERS})
    with pytest.raises(Forbidden):
        await services.users.profile(bob.id, alice.id)
    storage.follow(bob.id, alice.id)
    assert (await services.users.profile(bob.id, alice.id)).id == alice.id


async def test_a_groups_profile_opens_to_group_mates(
    services: Services, storage: FakeStorage, alice: User, bob: User
) -> None:
    await services.users.update_me(alice.id, {"profile_visibility": ProfileVisibility.GROUPS})
    storage.join_group(UUID(int=500), alice.id)
    with pytest.raises(Forbidden):
        await services.users.profile(bob.id, alice.id)
    storage.join_group(UUID(int=500), bob.id)
    assert (await services.users.profile(bob.id, alice.id)).id == alice.id


async def test_an_unknown_profile_is_not_found(services: Services, alice: User) -> None:
    with pytest.raises(NotFound) as missing:
        await services.users.profile(alice.id, UUID(int=999))
    assert missing.value.detail == "User not found"
