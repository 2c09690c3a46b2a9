"""Posts and reactions behave alike on every backend: feed orders with their ties, reaction counts,
group standing, insert-or-replace reactions, and what deleting a post takes with it."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from offertracker_core import pages
from offertracker_core.entities import Post, PostView, Reaction
from offertracker_core.enums import PostType, ReactionType
from offertracker_core.errors import Duplicate
from offertracker_core.ports import GroupAccess, Storage

from ..storage import factories as f
from .conftest import Backdoor

LOW = UUID("0fffffff-ffff-4fff-bfff-ffffffffffff")
HIGH = UUID("f0000000-0000-4000-8000-000000000001")


def post(user_id: UUID, **changes: Any) -> Post:
    values: dict[str, Any] = {
        "id": uuid4(),
        "user_id": user_id,
        "group_id": None,
        "post_type": PostType.UPDATE,
        "title": None,
        "content": "hello",
        "is_public": True,
        "created_at": f.T0,
        "updated_at": f.T0,
    }
    return Post(**(values | changes))


def reaction(
    post_id: UUID, user_id: UUID, kind: ReactionType = ReactionType.LIKE, **changes: Any
) -> Reaction:
    values: dict[str, Any] = {
        "id": uuid4(),
        "post_id": post_id,
        "user_id": user_id,
        "reaction": kind,
        "created_at": f.T0,
    }
    return Reaction(**(values | changes))


async def users(storage: Storage, *names: str) -> list[UUID]:
    made = [f.user(name) for name in names]
    async with storage.write() as uow:
        for user in made:
            await uow.users.add(user)
        await uow.commit()
    return [user.id for user in made]


async def test_feeds_are_newest_first_with_id_breaking_ties_and_real_reaction_counts(
    storage: Storage,
) -> None:
    ada, bob = await users(storage, "ada", "bob")
    tied_low, tied_high = post(ada, id=LOW, created_at=f.at(5)), post(ada, id=HIGH, created_at=f.at(5))
    older, draft = post(bob, created_at=f.at(1)), post(bob, created_at=f.at(9), is_public=False)
    async with storage.write() as uow:
        for p in (older, tied_low, draft, tied_high):
            await uow.posts.add(p)
        await uow.reactions.add(reaction(tied_low.id, ada))
        await uow.reactions.add(reaction(tied_low.id, bob))
        await uow.reactions.add(reaction(older.id, bob))
        await uow.commit()

    async with storage.read() as uow:
        public = await uow.posts.public_feed(0, 10)
        assert public == [PostView.of(tied_high, 0), PostView.of(tied_low, 2), PostView.of(older, 1)]
        assert await uow.posts.public_feed(1, 1) == [PostView.of(tied_low, 2)]
        assert [v.id for v in await uow.posts.by_author(bob, 0, 10)] == [draft.id, older.id]
        assert await uow.posts.view(tied_low.id) == PostView.of(tied_low, 2)
        assert await uow.posts.view(uuid4()) is None
        assert await uow.reactions.count_for_post(tied_low.id) == 2


async def test_a_group_feed_and_the_standing_of_members_and_others(
    storage: Storage, backdoor: Backdoor
) -> None:
    ada, bob = await users(storage, "ada", "bob")
    group = UUID(int=301)
    await backdoor.join_group(group, ada)  # a public group
    shared, members_only = (
        post(ada, group_id=group),
        post(ada, group_id=group, is_public=False, created_at=f.at(1)),
    )
    async with storage.write() as uow:
        await uow.posts.add(shared)
        await uow.posts.add(members_only)
        await uow.commit()

    async with storage.read() as uow:
        assert await uow.posts.group_access(group, ada) == GroupAccess(is_public=True, is_member=True)
        assert await uow.posts.group_access(group, bob) == GroupAccess(is_public=True, is_member=False)
        assert await uow.posts.group_access(uuid4(), ada) is None
        everything = await uow.posts.group_feed(group, everything=True, skip=0, limit=10)
        assert [v.id for v in everything] == [members_only.id, shared.id]
        public = await uow.posts.group_feed(group, everything=False, skip=0, limit=10)
        assert [v.id for v in public] == [shared.id]
        assert [v.id for v in await uow.posts.public_feed(0, 10)] == [shared.id]


async def test_putting_a_reaction_replaces_the_users_one_and_keeps_its_id(storage: Storage) -> None:
    ada, bob = await users(storage, "ada", "bob")
    p = post(ada)
    first = reaction(p.id, bob)
    async with storage.write() as uow:
        await uow.posts.add(p)
        assert await uow.reactions.put(first) == first
        replaced = await uow.reactions.put(reaction(p.id, bob, ReactionType.SUPPORT, created_at=f.at(3)))
        assert replaced == Reaction(first.id, p.id, bob, ReactionType.SUPPORT, f.at(3))
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.reactions.find(p.id, bob) == replaced
        assert await uow.reactions.find(p.id, ada) is None
        assert await uow.reactions.count_for_post(p.id) == 1
    with pytest.raises(Duplicate) as caught:
        async with storage.write() as uow:
            await uow.reactions.add(reaction(p.id, bob))
    assert caught.value.constraint == "reactions.post_id,user_id"


async def test_deleting_a_post_takes_its_reactions(storage: Storage) -> None:
    ada, bob = await users(storage, "ada", "bob")
    gone, kept = post(ada), post(ada)
    async with storage.write() as uow:
        for p in (gone, kept):
            await uow.posts.add(p)
            await uow.reactions.add(reaction(p.id, bob))
        await uow.posts.delete(gone.id)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.reactions.find(gone.id, bob) is None
        assert await uow.reactions.find(kept.id, bob) is not None


async def test_a_feed_page_ends_after_the_post_that_crosses_the_byte_budget(storage: Storage) -> None:
    (ada,) = await users(storage, "ada")
    big = "x" * 20_000
    per_post = pages.content_bytes(PostView.of(post(ada, content=big), 0))
    fits = pages.PAGE_BYTES // per_post + 1  # the one that crosses is kept
    async with storage.write() as uow:
        for n in range(fits + 5):
            await uow.posts.add(post(ada, content=big, created_at=f.at(n)))
        await uow.commit()
    async with storage.read() as uow:
        assert len(await uow.posts.public_feed(0, 1000)) == fits
        assert len(await uow.posts.by_author(ada, 0, 1000)) == fits
