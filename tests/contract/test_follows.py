"""The follows port (``uow.follows``): uniqueness, both lists' order, the counts, and account deletion."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from offertracker_core.entities import Follow, User
from offertracker_core.errors import Duplicate
from offertracker_core.ports import FollowCounts, ProgressTotals, Storage

from ..storage import factories as f
from .conftest import follow


async def _users(storage: Storage, *names: str) -> list[User]:
    people = [f.user(name) for name in names]
    async with storage.write() as uow:
        for person in people:
            await uow.users.add(person)
        await uow.commit()
    return people


async def test_a_second_follow_of_the_same_user_is_a_duplicate_naming_the_pair(storage: Storage) -> None:
    ada, bob = await _users(storage, "ada", "bob")
    await follow(storage, ada.id, bob.id)
    async with storage.write() as uow:
        with pytest.raises(Duplicate) as raised:
            await uow.follows.add(Follow(uuid4(), ada.id, bob.id, f.at(5)))
    assert raised.value.constraint == "follows.follower_id,following_id"
    async with storage.read() as uow:
        assert await uow.follows.counts(ada.id) == FollowCounts(followers_count=0, following_count=1)


async def test_remove_says_whether_a_follow_went_and_takes_only_that_one(storage: Storage) -> None:
    ada, bob, cy = await _users(storage, "ada", "bob", "cy")
    await follow(storage, ada.id, bob.id)
    await follow(storage, bob.id, ada.id)
    async with storage.write() as uow:
        assert await uow.follows.remove(ada.id, bob.id) is True
        assert await uow.follows.remove(ada.id, bob.id) is False
        assert await uow.follows.remove(ada.id, cy.id) is False
        await uow.commit()
    async with storage.read() as uow:
        assert [(x.follower_id, x.following_id) for x in await uow.follows.followers(ada.id, 0, 10)] == [
            (bob.id, ada.id)
        ]
        assert await uow.follows.following(ada.id, 0, 10) == []


async def test_both_lists_run_newest_first_ties_by_id_descending_and_page(storage: Storage) -> None:
    ada, *others = await _users(storage, "ada", "bob", "cy", "dee", "eve")
    made = [
        Follow(UUID(int=1), others[0].id, ada.id, f.at(1)),
        Follow(UUID(int=3), others[1].id, ada.id, f.at(2)),
        Follow(UUID(int=2), others[2].id, ada.id, f.at(2)),  # same time: the larger id first
        Follow(UUID(int=4), others[3].id, ada.id, f.at(3)),
        Follow(UUID(int=5), ada.id, others[0].id, f.at(4)),
        Follow(UUID(int=6), ada.id, others[1].id, f.at(0)),
    ]
    async with storage.write() as uow:
        for one in made:
            await uow.follows.add(one)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.follows.followers(ada.id, 0, 10) == [made[3], made[1], made[2], made[0]]
        assert await uow.follows.followers(ada.id, 1, 2) == [made[1], made[2]]
        assert await uow.follows.following(ada.id, 0, 10) == [made[4], made[5]]
        assert await uow.follows.get(made[0].id) == made[0]
        assert await uow.follows.counts(ada.id) == FollowCounts(followers_count=4, following_count=2)
        assert await uow.follows.counts(others[3].id) == FollowCounts(followers_count=0, following_count=1)


async def test_counts_of_an_unknown_user_are_none_not_zeros(storage: Storage) -> None:
    async with storage.read() as uow:
        assert await uow.follows.counts(uuid4()) is None


async def test_dropping_a_users_followers_takes_each_follow_back_from_its_followers_counter(
    storage: Storage,
) -> None:
    ada, bob, cy = await _users(storage, "ada", "bob", "cy")
    await follow(storage, bob.id, ada.id)
    await follow(storage, cy.id, ada.id)
    await follow(storage, bob.id, cy.id)
    await follow(storage, ada.id, bob.id)
    async with storage.write() as uow:
        await uow.follows.drop_followers(ada.id)
        await uow.users.delete(ada.id)
        await uow.commit()
    async with storage.read() as uow:
        for person, left in ((bob, 1), (cy, 0)):
            assert await uow.progress.totals(person.id) == await uow.progress.recount(person.id)
            assert (await uow.progress.totals(person.id)).follows == left
        assert await uow.progress.totals(ada.id) == ProgressTotals()
        assert await uow.follows.counts(bob.id) == FollowCounts(followers_count=0, following_count=1)
        assert await uow.follows.counts(cy.id) == FollowCounts(followers_count=1, following_count=0)
