"""The groups port on every backend: member counts, list orders, one membership, dissolving."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from offertracker_core.entities import Group, GroupMember
from offertracker_core.enums import GroupRole
from offertracker_core.errors import Duplicate
from offertracker_core.ports import GroupView, ProgressTotals, Storage

from ..storage import factories as f


def _group(n: int, creator: UUID, *, minutes: int, public: bool = True) -> Group:
    return Group(UUID(int=n), f"group {n}", None, creator, public, f.at(minutes), f.at(minutes))


def _member(group: Group, user_id: UUID, *, minutes: int) -> GroupMember:
    return GroupMember(uuid4(), group.id, user_id, GroupRole.MEMBER, f.at(minutes))


async def test_views_count_members_and_lists_keep_their_orders(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    old, hidden, new = (
        _group(1, ada.id, minutes=1),
        _group(2, ada.id, minutes=2, public=False),
        _group(3, bob.id, minutes=3),
    )
    async with storage.write() as uow:
        for user in (ada, bob):
            await uow.users.add(user)
        for group in (old, hidden, new):
            await uow.groups.add(group)
        await uow.groups.add_member(_member(new, ada.id, minutes=4))
        await uow.groups.add_member(_member(old, ada.id, minutes=5))
        await uow.groups.add_member(_member(hidden, ada.id, minutes=6))
        await uow.groups.add_member(_member(old, bob.id, minutes=7))
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.groups.view(old.id) == GroupView.of(old, 2)
        assert await uow.groups.view(UUID(int=99)) is None
        assert await uow.groups.list_public(0, 10) == [GroupView.of(new, 1), GroupView.of(old, 2)]
        assert await uow.groups.list_public(1, 1) == [GroupView.of(old, 2)]
        joined = await uow.groups.list_joined(ada.id, 0, 10)
        assert [view.id for view in joined] == [hidden.id, old.id, new.id]
        members = await uow.groups.members(old.id, 0, 10)
        assert [m.user_id for m in members] == [ada.id, bob.id]
        assert await uow.groups.membership(old.id, bob.id) == members[1]
        assert await uow.groups.membership(new.id, bob.id) is None


async def test_a_second_membership_is_a_duplicate(storage: Storage) -> None:
    ada = f.user("ada")
    group = _group(1, ada.id, minutes=1)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.groups.add(group)
        await uow.groups.add_member(_member(group, ada.id, minutes=1))
        await uow.commit()
    with pytest.raises(Duplicate) as raised:
        async with storage.write() as uow:
            await uow.groups.add_member(_member(group, ada.id, minutes=2))
    assert raised.value.constraint == "group_members.group_id,user_id"


async def test_dissolving_uncounts_every_membership_it_deletes(storage: Storage, backdoor: Any) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bob)
        await uow.commit()
    first, second, kept = UUID(int=11), UUID(int=12), UUID(int=13)
    # The first member creates the group: ada creates first and second, bob kept; bob joins all.
    for group, user in ((first, ada), (second, ada), (kept, bob), (first, bob), (second, bob)):
        await backdoor.join_group(group, user.id)
    async with storage.write() as uow:
        await uow.groups.dissolve(first)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.groups.get(first) is None
        assert await uow.progress.totals(bob.id) == await uow.progress.recount(bob.id)
        assert (await uow.progress.totals(bob.id)).groups_joined == 2
    async with storage.write() as uow:
        await uow.groups.dissolve_created_by(ada.id)
        await uow.commit()
    async with storage.read() as uow:
        assert [view.id for view in await uow.groups.list_public(0, 10)] == [kept]
        for user in (ada, bob):
            assert await uow.progress.totals(user.id) == await uow.progress.recount(user.id)
        assert await uow.progress.totals(bob.id) == ProgressTotals(groups_joined=1)
