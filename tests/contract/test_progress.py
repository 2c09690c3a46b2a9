"""Milestone bookkeeping: the totals milestones are checked against, and who holds what."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from offertracker_core.entities import UserMilestone
from offertracker_core.enums import OutcomeStatus
from offertracker_core.milestones import MILESTONES
from offertracker_core.ports import ProgressStanding, ProgressTotals, Storage

from ..storage import factories as f
from .conftest import add_posts, follow


async def test_a_recount_counts_only_the_users_own_rows(storage: Storage, backdoor: Any) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    offered, rejected, bare, other = (
        f.application(ada.id),
        f.application(ada.id),
        f.application(ada.id),
        f.application(bob.id),
    )
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bob)
        for app in (offered, rejected, bare, other):
            await uow.applications.add(app)
        await uow.outcomes.add(f.outcome(offered.id))
        await uow.outcomes.add(f.outcome(rejected.id, status=OutcomeStatus.REJECTED))
        await uow.outcomes.add(f.outcome(other.id))
        await uow.reflections.add(f.reflection(offered.id))
        await uow.reflections.add(f.reflection(rejected.id))
        await uow.reflections.add(f.reflection(other.id))
        await uow.commit()
    await follow(storage, ada.id, bob.id)
    await follow(storage, bob.id, ada.id)
    group, other_group = UUID(int=201), UUID(int=202)
    await backdoor.join_group(group, bob.id)
    await backdoor.join_group(group, ada.id)
    await backdoor.join_group(other_group, bob.id)
    await add_posts(storage, ada.id, 2)
    await add_posts(storage, bob.id, 1)
    async with storage.read() as uow:
        assert await uow.progress.recount(ada.id) == ProgressTotals(
            applications=3, reflections=2, offers=1, follows=1, groups_joined=1, posts=2
        )
        assert await uow.progress.recount(bob.id) == ProgressTotals(
            applications=1, reflections=1, offers=1, follows=1, groups_joined=2, posts=1
        )
        assert await uow.progress.recount(uuid4()) == ProgressTotals()


async def test_a_recount_follows_deletes_in_the_same_unit(storage: Storage) -> None:
    ada = f.user("ada")
    kept, gone = f.application(ada.id), f.application(ada.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(kept)
        await uow.applications.add(gone)
        await uow.reflections.add(f.reflection(gone.id))
        assert await uow.progress.recount(ada.id) == ProgressTotals(applications=2, reflections=1)
        await uow.applications.delete(gone.id)
        assert await uow.progress.recount(ada.id) == ProgressTotals(applications=1)
        await uow.commit()


async def test_totals_are_zero_until_something_is_counted(storage: Storage) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(f.application(ada.id))  # a row alone is not counted
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.progress.totals(ada.id) == ProgressTotals()
        assert await uow.progress.totals(uuid4()) == ProgressTotals()
        assert await uow.progress.standing(ada.id) == ProgressStanding()


async def test_counting_adds_deltas_per_user_and_negative_ones_subtract(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bob)
        await uow.progress.count(ada.id, ProgressTotals(applications=1, reflections=1))
        await uow.progress.count(ada.id, ProgressTotals(applications=2, offers=1, follows=4))
        await uow.progress.count(bob.id, ProgressTotals(posts=3, groups_joined=2))
        assert await uow.progress.totals(ada.id) == ProgressTotals(
            applications=3, reflections=1, offers=1, follows=4
        )
        await uow.commit()
    async with storage.write() as uow:
        await uow.progress.count(ada.id, ProgressTotals(applications=-1, reflections=-1, offers=-1))
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.progress.totals(ada.id) == ProgressTotals(applications=2, follows=4)
        assert await uow.progress.totals(bob.id) == ProgressTotals(posts=3, groups_joined=2)


async def test_a_count_without_a_commit_is_not_kept(storage: Storage) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.progress.count(ada.id, ProgressTotals(applications=1))
        await uow.commit()
    async with storage.write() as uow:
        await uow.progress.count(ada.id, ProgressTotals(applications=5))
    async with storage.write() as uow:

        async def count_then_fail() -> None:
            async with uow.savepoint():
                await uow.progress.count(ada.id, ProgressTotals(applications=7))
                raise RuntimeError("the savepoint rolls back")

        with pytest.raises(RuntimeError, match="the savepoint rolls back"):
            await count_then_fail()
        await uow.progress.count(ada.id, ProgressTotals(reflections=1))
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.progress.totals(ada.id) == ProgressTotals(applications=1, reflections=1)


async def test_the_standing_holds_the_totals_and_every_milestone_held(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    first, second = MILESTONES[0], MILESTONES[1]
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bob)
        await uow.progress.count(ada.id, ProgressTotals(applications=1, posts=2))
        await uow.progress.award(UserMilestone(uuid4(), ada.id, first.id, f.at(1)))
        await uow.progress.award(UserMilestone(uuid4(), ada.id, second.id, f.at(2)))
        await uow.progress.award(UserMilestone(uuid4(), bob.id, first.id, f.at(3)))
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.progress.standing(ada.id) == ProgressStanding(
            ProgressTotals(applications=1, posts=2), frozenset({first.id, second.id})
        )
        assert await uow.progress.standing(bob.id) == ProgressStanding(
            ProgressTotals(), frozenset({first.id})
        )
        assert await uow.progress.standing(uuid4()) == ProgressStanding()


async def test_awarded_milestones_are_listed_per_user(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    first, second, third = MILESTONES[0], MILESTONES[1], MILESTONES[2]
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bob)
        await uow.progress.award(UserMilestone(uuid4(), ada.id, first.id, f.at(1)))
        await uow.progress.award(UserMilestone(uuid4(), ada.id, second.id, f.at(2)))
        await uow.progress.award(UserMilestone(uuid4(), bob.id, third.id, f.at(3)))
        assert await uow.progress.awarded_milestone_ids(ada.id) == {first.id, second.id}
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.progress.awarded_milestone_ids(ada.id) == {first.id, second.id}
        assert await uow.progress.awarded_milestone_ids(bob.id) == {third.id}
        assert await uow.progress.awarded_milestone_ids(uuid4()) == set()


async def test_an_award_without_a_commit_is_not_held(storage: Storage) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()
    async with storage.write() as uow:
        await uow.progress.award(UserMilestone(uuid4(), ada.id, MILESTONES[0].id, f.at(1)))
    async with storage.read() as uow:
        assert await uow.progress.awarded_milestone_ids(ada.id) == set()
