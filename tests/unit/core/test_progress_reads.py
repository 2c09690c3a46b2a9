"""``ProgressService``: the ``/progress`` reads, each one snapshot of the storage (§6)."""

from __future__ import annotations

import pytest

from offertracker_core.entities import User
from offertracker_core.enums import ApplicationStatus, OutcomeStatus, ProfileVisibility
from offertracker_core.errors import NotFound
from offertracker_core.inputs import NewApplication, NewOutcome, NewReflection, NewStage, ProfileChanges
from offertracker_core.milestones import MILESTONES
from offertracker_core.ports import CommunityMember
from offertracker_core.services import Services
from offertracker_core.services.progress import UserStats

from ..fakes import FakeClock, FakeStorage


async def test_the_catalogue_is_read_in_one_snapshot(services: Services, storage: FakeStorage) -> None:
    storage.opened.clear()
    assert await services.progress.milestones() == list(MILESTONES)
    assert storage.opened == ["read"]


async def test_my_milestones_are_newest_first_and_only_mine(
    services: Services, clock: FakeClock, alice: User, bob: User
) -> None:
    clock.advance(seconds=10)
    await services.applications.create(alice.id, NewApplication(company_name="A", role_title="r"))
    mine = await services.progress.mine(alice.id)
    assert [(m.milestone.name, m.user_id) for m in mine] == [
        ("First Application", alice.id),
        ("Getting Started", alice.id),
    ]
    assert mine[0].reached_at == clock.now()
    assert mine[0].milestone_id == mine[0].milestone.id
    assert [m.milestone.name for m in await services.progress.mine(bob.id)] == ["Getting Started"]


async def test_the_community_lists_public_profiles_by_recent_activity(
    services: Services, alice: User, bob: User
) -> None:
    for user in (alice, bob):
        await services.users.update_me(user.id, ProfileChanges(profile_visibility=ProfileVisibility.PUBLIC))
    await services.applications.create(bob.id, NewApplication(company_name="A", role_title="r"))
    assert await services.progress.community() == [
        CommunityMember(bob.id, "bob", "bob", 1),
        CommunityMember(alice.id, "alice", "alice", 0),  # never active: last
    ]
    assert await services.progress.community(limit=1) == [CommunityMember(bob.id, "bob", "bob", 1)]


async def test_stats_add_the_kept_counters_to_the_aggregate_figures(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    apps = []
    for company in "ABC":
        new = NewApplication(company_name=company, role_title="r")
        apps.append((await services.applications.create(alice.id, new)).application)
    await services.stages.add(alice.id, apps[0].id, NewStage(stage_name="Call"))
    await services.outcomes.create(alice.id, apps[0].id, NewOutcome(status=OutcomeStatus.OFFER))
    await services.outcomes.create(alice.id, apps[1].id, NewOutcome(status=OutcomeStatus.REJECTED))
    await services.reflections.create(alice.id, apps[1].id, NewReflection(what_failed="nerves"))
    storage.opened.clear()

    stats = await services.progress.stats(alice.id)

    assert storage.opened == ["read"]  # counters and figures from one snapshot
    assert stats == UserStats(
        total_applications=3,
        total_offers=1,
        total_rejections=1,
        total_reflections=1,
        total_stages=1,
        streak_days=1,
        milestones_reached=4,
        total_contacts=0,
        total_reminders_pending=0,
    )
    assert storage.tables.applications[apps[1].id].status == ApplicationStatus.REJECTED


async def test_the_stats_of_a_vanished_account_are_not_found(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    del storage.tables.users[alice.id]
    with pytest.raises(NotFound, match="User not found"):
        await services.progress.stats(alice.id)
