"""Resume versions: a plain owned resource, and the model for the ones to come.

The whole recipe of a plain owned resource is here: an :class:`Ownable` with
its two messages, reads through ``ctx.read``, writes through
``ctx.write`` with :func:`owned` checking the row is the caller's.
"""

from __future__ import annotations

from uuid import UUID

import attrs

from ..entities import ResumeVersion
from ..inputs import NewResume, ResumeChanges
from ..ports import UnitOfWork
from ..uploads import resume_folder
from ..validation import validate_changes
from .base import RESUME, ServiceContext, owned
from .uploads import remove_tree

__all__ = ["ResumeService"]


@attrs.frozen
class ResumeService:
    """Lists, creates, reads, edits and deletes the caller's resume versions."""

    ctx: ServiceContext

    async def list(self, user_id: UUID, skip: int = 0, limit: int = 100) -> list[ResumeVersion]:
        """The caller's resume versions, newest first."""
        return await self.ctx.read(lambda uow: uow.owned(ResumeVersion).list_for_user(user_id, skip, limit))

    async def create(self, user_id: UUID, new: NewResume) -> ResumeVersion:
        """Create a resume version owned by the caller."""
        now = self.ctx.clock.now()
        resume = ResumeVersion(
            id=self.ctx.ids(),
            user_id=user_id,
            **attrs.asdict(new, recurse=False),
            created_at=now,
            updated_at=now,
        )

        async def work(uow: UnitOfWork) -> ResumeVersion:
            await uow.owned(ResumeVersion).add(resume)
            return resume

        return await self.ctx.write(work)

    async def get(self, user_id: UUID, resume_id: UUID) -> ResumeVersion:
        """One of the caller's resume versions."""
        return await self.ctx.read(lambda uow: owned(uow, RESUME, user_id, resume_id))

    async def update(self, user_id: UUID, resume_id: UUID, changes: ResumeChanges) -> ResumeVersion:
        """Apply partial ``changes`` to one of the caller's resume versions."""
        changes = validate_changes(ResumeChanges, changes)

        async def work(uow: UnitOfWork) -> ResumeVersion:
            resume = await owned(uow, RESUME, user_id, resume_id, for_update=True)
            updated = attrs.evolve(resume, **changes, updated_at=self.ctx.clock.now())
            await uow.owned(ResumeVersion).update(updated)
            return updated

        return await self.ctx.write(work)

    async def delete(self, user_id: UUID, resume_id: UUID) -> None:
        """Delete one of the caller's resume versions; applications using it keep existing, unlinked.

        Its uploaded files are removed after the commit.
        """

        async def work(uow: UnitOfWork) -> None:
            await owned(uow, RESUME, user_id, resume_id, for_update=True)
            await uow.owned(ResumeVersion).delete(resume_id)

        await self.ctx.write(work)
        await remove_tree(self.ctx, resume_folder(user_id, resume_id))
