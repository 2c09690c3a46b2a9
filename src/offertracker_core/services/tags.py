"""Tags: the caller's colour-coded labels, and their assignment to applications.

Both uniqueness rules are the database's (``tags.user_id,name`` and
``application_tags.application_id,tag_id``): of two simultaneous requests
that would break one, the loser's insert raises ``Duplicate`` and it answers
the documented 400, with no check of our own that both could pass.
Creating a tag is a tracked action (behaviour.md §6).
"""

from __future__ import annotations

import builtins
from uuid import UUID

import attrs

from .. import activity
from ..entities import ApplicationTag, AssignedTag, Tag
from ..errors import BusinessRuleViolation, Duplicate, NotFound
from ..inputs import NewTag, TagChanges
from ..ports import UnitOfWork
from ..validation import validate_changes
from .base import APPLICATION, Ownable, ServiceContext, owned
from .progress import track_activity

__all__ = ["TAG", "TagService"]

TAG = Ownable(Tag, "Tag not found", "Not your tag")
_NAME_TAKEN = "Tag with this name already exists"
_ALREADY_ASSIGNED = "Tag already assigned to this application"
_NOT_ASSIGNED = "Tag not assigned to this application"
_UNIQUE_NAME = "tags.user_id,name"
_UNIQUE_ASSIGNMENT = "application_tags.application_id,tag_id"


def _name_taken(exc: Duplicate) -> BusinessRuleViolation:
    """The documented 400 for a name the user has; any other ``Duplicate`` is re-raised as it is."""
    if exc.constraint != _UNIQUE_NAME:
        raise exc
    return BusinessRuleViolation(_NAME_TAKEN)


async def _referenced_tag(uow: UnitOfWork, user_id: UUID, tag_id: UUID) -> Tag:
    """The caller's tag ``tag_id``, read without a lock; a missing one and someone else's are both
    ``NotFound("Tag not found")`` (behaviour.md §9), as for a reference carried in a body."""
    tag = await uow.tags.get(tag_id)
    if tag is None or tag.user_id != user_id:
        raise NotFound(TAG.missing)
    return tag


@attrs.frozen
class TagService:
    """The caller's tag library, and which tags their applications carry."""

    ctx: ServiceContext

    async def list(self, user_id: UUID, *, skip: int = 0, limit: int = 1000) -> list[Tag]:
        """The caller's tags by name."""
        return await self.ctx.read(lambda uow: uow.tags.list_by_name(user_id, skip, limit))

    async def create(self, user_id: UUID, new: NewTag) -> Tag:
        """Create a tag (a tracked action); a name the caller has already is
        ``BusinessRuleViolation("Tag with this name already exists")``."""
        now = self.ctx.clock.now()
        tag = Tag(id=self.ctx.ids(), user_id=user_id, name=new.name, color=new.color, created_at=now)

        async def work(uow: UnitOfWork) -> Tag:
            try:
                await uow.tags.add(tag)
            except Duplicate as exc:
                raise _name_taken(exc) from exc
            await track_activity(self.ctx, uow, user_id, now)
            return tag

        return await self.ctx.write(work)

    async def update(self, user_id: UUID, tag_id: UUID, changes: TagChanges) -> Tag:
        """Rename or recolour a tag; renaming it to another of the caller's tag names is
        ``BusinessRuleViolation("Tag with this name already exists")``."""
        changes = validate_changes(TagChanges, changes)

        async def work(uow: UnitOfWork) -> Tag:
            tag = await owned(uow, TAG, user_id, tag_id, for_update=True)
            updated = attrs.evolve(tag, **changes)
            try:
                await uow.tags.update(updated)
            except Duplicate as exc:
                raise _name_taken(exc) from exc
            return updated

        return await self.ctx.write(work)

    async def delete(self, user_id: UUID, tag_id: UUID) -> None:
        """Delete a tag; every application it was assigned to loses it (the schema cascades)."""

        async def work(uow: UnitOfWork) -> None:
            await owned(uow, TAG, user_id, tag_id, for_update=True)
            await uow.tags.delete(tag_id)

        await self.ctx.write(work)

    async def list_for_application(
        self, user_id: UUID, application_id: UUID, *, skip: int = 0, limit: int = 1000
    ) -> builtins.list[AssignedTag]:
        """The tags of one of the caller's applications, each assignment with its tag, by tag name."""

        async def work(uow: UnitOfWork) -> builtins.list[AssignedTag]:
            await owned(uow, APPLICATION, user_id, application_id)
            return await uow.application_tags.list_for_application(application_id, skip, limit)

        return await self.ctx.read(work)

    async def assign(self, user_id: UUID, application_id: UUID, tag_id: UUID) -> AssignedTag:
        """Assign one of the caller's tags to one of their applications; logs "Tag Assigned".

        The application answers first (``NotFound``/``Forbidden`` as everywhere), then the tag
        (``NotFound("Tag not found")`` for a missing one and someone else's alike); a tag the
        application has already is ``BusinessRuleViolation``.
        """
        now = self.ctx.clock.now()
        assignment = ApplicationTag(
            id=self.ctx.ids(), application_id=application_id, tag_id=tag_id, created_at=now
        )

        async def work(uow: UnitOfWork) -> AssignedTag:
            # Neither row is rewritten, so neither is locked; one deleted meanwhile fails the
            # insert's foreign key, and the unit runs again to answer 404 (see ports' lock order).
            await owned(uow, APPLICATION, user_id, application_id)
            tag = await _referenced_tag(uow, user_id, tag_id)
            try:
                await uow.application_tags.add(assignment)
            except Duplicate as exc:
                if exc.constraint != _UNIQUE_ASSIGNMENT:
                    raise
                raise BusinessRuleViolation(_ALREADY_ASSIGNED) from exc
            uow.log(activity.tag_assigned(self.ctx.ids(), user_id, application_id, tag.name, now))
            return AssignedTag.of(assignment, tag)

        return await self.ctx.write(work)

    async def remove(self, user_id: UUID, application_id: UUID, tag_id: UUID) -> None:
        """Take a tag off one of the caller's applications; one it does not carry (whoever's tag
        ``tag_id`` is, if anyone's) is ``NotFound("Tag not assigned to this application")``."""

        async def work(uow: UnitOfWork) -> None:
            await owned(uow, APPLICATION, user_id, application_id)
            assignment = await uow.application_tags.find(application_id, tag_id)
            if assignment is None:
                raise NotFound(_NOT_ASSIGNED)
            await uow.application_tags.delete(assignment.id)

        await self.ctx.write(work)
