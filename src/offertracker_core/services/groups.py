"""Social groups: create, list, read, edit, dissolve, join, leave, and who is in one (behaviour.md §10).

Who may see a group: everyone if it is public; if it is private, its members
and its creator (who may edit or delete it even after leaving it), and for
anyone else it does not exist (404 "Group not found"), whatever they ask of it
— except ``/join``, which answers 403 "This group is private" (ours).

Memberships are counted (``groups_joined``, behaviour.md §6) where they are
written: creating a group makes the creator its admin member, and both that and
joining are tracked actions; leaving counts −1; dissolving a group uncounts
every membership and post it takes with it (``GroupRepository.dissolve``).
The one-membership rule is the database's (``group_members.group_id,user_id``):
the loser of two simultaneous joins gets the documented 400.
"""

from __future__ import annotations

import builtins
from uuid import UUID

import attrs

from ..entities import Group, GroupMember
from ..enums import GroupRole
from ..errors import BusinessRuleViolation, Duplicate, Forbidden, NotFound
from ..inputs import GroupChanges, NewGroup
from ..ports import GroupView, ProgressTotals, UnitOfWork
from ..validation import validate_changes
from .base import ServiceContext
from .progress import track_activity

__all__ = ["GroupService"]

_NOT_FOUND = "Group not found"
_ONLY_CREATOR_UPDATES = "Only group creator can update"
_ONLY_CREATOR_DELETES = "Only group creator can delete"
_ALREADY_MEMBER = "Already a member of this group"
_NOT_MEMBER = "Not a member of this group"
_PRIVATE = "This group is private"
_UNIQUE_MEMBERSHIP = "group_members.group_id,user_id"
_JOINED = ProgressTotals(groups_joined=1)
_LEFT = ProgressTotals(groups_joined=-1)


def _visible(group: Group | GroupView, user_id: UUID, membership: GroupMember | None) -> bool:
    """Whether ``user_id`` may see ``group``: public, or theirs, or they are in it."""
    return group.is_public or group.created_by == user_id or membership is not None


async def _seen(uow: UnitOfWork, user_id: UUID, group_id: UUID, *, for_update: bool = False) -> Group:
    """The group ``user_id`` may see, locked when ``for_update``; ``NotFound`` when it does not
    exist or is private to them."""
    load = uow.groups.get_for_update if for_update else uow.groups.get
    group = await load(group_id)
    if group is None:
        raise NotFound(_NOT_FOUND)
    private_to_them = not group.is_public and group.created_by != user_id
    if private_to_them and await uow.groups.membership(group_id, user_id) is None:
        raise NotFound(_NOT_FOUND)
    return group


def _already_member(exc: Duplicate) -> BusinessRuleViolation:
    """The documented 400 for a second membership; any other ``Duplicate`` is re-raised as it is."""
    if exc.constraint != _UNIQUE_MEMBERSHIP:
        raise exc
    return BusinessRuleViolation(_ALREADY_MEMBER)


@attrs.frozen
class GroupService:
    """Groups anyone may find (public ones), the caller's groups, and membership."""

    ctx: ServiceContext

    async def create(self, user_id: UUID, new: NewGroup) -> GroupView:
        """Create a group with the caller as its ``admin`` member (a tracked action, counted as
        a group joined)."""
        now = self.ctx.clock.now()
        group = Group(
            id=self.ctx.ids(),
            name=new.name,
            description=new.description,
            created_by=user_id,
            is_public=new.is_public,
            created_at=now,
            updated_at=now,
        )
        admin = GroupMember(
            id=self.ctx.ids(), group_id=group.id, user_id=user_id, role=GroupRole.ADMIN, joined_at=now
        )

        async def work(uow: UnitOfWork) -> GroupView:
            await uow.groups.add(group)
            await uow.groups.add_member(admin)
            await uow.progress.count(user_id, _JOINED)
            await track_activity(self.ctx, uow, user_id, now)
            return GroupView.of(group, 1)

        return await self.ctx.write(work)

    async def list_public(self, *, skip: int = 0, limit: int = 50) -> list[GroupView]:
        """Public groups, newest first, each with its member count."""
        return await self.ctx.read(lambda uow: uow.groups.list_public(skip, limit))

    async def mine(self, user_id: UUID, *, skip: int = 0, limit: int = 50) -> list[GroupView]:
        """The groups the caller is a member of, most recently joined first."""
        return await self.ctx.read(lambda uow: uow.groups.list_joined(user_id, skip, limit))

    async def get(self, user_id: UUID, group_id: UUID) -> GroupView:
        """One group the caller may see, with its member count."""

        async def work(uow: UnitOfWork) -> GroupView:
            view = await uow.groups.view(group_id)
            if view is None or not _visible(view, user_id, await uow.groups.membership(group_id, user_id)):
                raise NotFound(_NOT_FOUND)
            return view

        return await self.ctx.read(work)

    async def update(self, user_id: UUID, group_id: UUID, changes: GroupChanges) -> GroupView:
        """Apply partial ``changes``; only the creator may (``Forbidden``), and a private group
        the caller cannot see is ``NotFound``."""
        changes = validate_changes(GroupChanges, changes)

        async def work(uow: UnitOfWork) -> GroupView:
            group = await _seen(uow, user_id, group_id, for_update=True)
            if group.created_by != user_id:
                raise Forbidden(_ONLY_CREATOR_UPDATES)
            await uow.groups.update(attrs.evolve(group, **changes, updated_at=self.ctx.clock.now()))
            view = await uow.groups.view(group_id)
            assert view is not None  # locked above
            return view

        return await self.ctx.write(work)

    async def delete(self, user_id: UUID, group_id: UUID) -> None:
        """Delete a group with its memberships and posts; only the creator may (``Forbidden``)."""

        async def work(uow: UnitOfWork) -> None:
            group = await _seen(uow, user_id, group_id, for_update=True)
            if group.created_by != user_id:
                raise Forbidden(_ONLY_CREATOR_DELETES)
            await uow.groups.dissolve(group_id)

        await self.ctx.write(work)

    async def join(self, user_id: UUID, group_id: UUID) -> GroupMember:
        """Join a group as a ``member`` (a tracked action). A member already is
        ``BusinessRuleViolation``; a private group is ``Forbidden("This group is private")``
        unless the caller created it (they come back as its admin)."""
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> GroupMember:
            # Not locked: the insert's foreign key holds the group's key share, which is what
            # dissolve waits for (see GroupRepository).
            group = await uow.groups.get(group_id)
            if group is None:
                raise NotFound(_NOT_FOUND)
            if await uow.groups.membership(group_id, user_id) is not None:
                raise BusinessRuleViolation(_ALREADY_MEMBER)
            creator = group.created_by == user_id
            if not group.is_public and not creator:
                raise Forbidden(_PRIVATE)
            role = GroupRole.ADMIN if creator else GroupRole.MEMBER
            member = GroupMember(
                id=self.ctx.ids(), group_id=group_id, user_id=user_id, role=role, joined_at=now
            )
            try:
                await uow.groups.add_member(member)
            except Duplicate as exc:  # a simultaneous join of the same caller won
                raise _already_member(exc) from exc
            await uow.progress.count(user_id, _JOINED)
            await track_activity(self.ctx, uow, user_id, now)
            return member

        return await self.ctx.write(work)

    async def leave(self, user_id: UUID, group_id: UUID) -> None:
        """Leave a group; ``NotFound("Not a member of this group")`` when the caller is not in it."""

        async def work(uow: UnitOfWork) -> None:
            group = await _seen(uow, user_id, group_id, for_update=True)
            membership = await uow.groups.membership(group.id, user_id)
            if membership is None:
                raise NotFound(_NOT_MEMBER)
            await uow.groups.remove_member(membership.id)
            await uow.progress.count(user_id, _LEFT)

        await self.ctx.write(work)

    async def members(
        self, user_id: UUID, group_id: UUID, *, skip: int = 0, limit: int = 100
    ) -> builtins.list[GroupMember]:
        """The memberships of a group the caller may see, earliest joined first."""

        async def work(uow: UnitOfWork) -> builtins.list[GroupMember]:
            await _seen(uow, user_id, group_id)
            return await uow.groups.members(group_id, skip, limit)

        return await self.ctx.read(work)
