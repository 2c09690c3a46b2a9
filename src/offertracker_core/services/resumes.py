"""Resume versions: the caller's own, with 404/403 ownership checks."""

from __future__ import annotations

from uuid import UUID

import attrs

from ..entities import ResumeVersion
from ..errors import Forbidden, NotFound
from ..inputs import NewResume, ResumeChanges
from ..ports import UnitOfWork
from .base import ServiceContext

__all__ = ["ResumeService", "owned_resume"]


async def owned_resume(uow: UnitOfWork, user_id: UUID, resume_id: UUID) -> ResumeVersion:
    """The resume, or ``NotFound("Resume version not found")`` / ``Forbidden("Not your resume")``."""
    resume = await uow.resumes.get(resume_id)
    if resume is None:
        raise NotFound("Resume version not found")
    if resume.user_id != user_id:
        raise Forbidden("Not your resume")
    return resume


@attrs.frozen
class ResumeService:
    """Lists, creates, reads, edits and deletes the caller's resume versions."""

    ctx: ServiceContext

    async def list(self, user_id: UUID, skip: int = 0, limit: int = 100) -> list[ResumeVersion]:
        """The caller's resume versions, newest first."""
        async with self.ctx.storage.read() as uow:
            return await uow.resumes.list_for_user(user_id, skip, limit)

    async def create(self, user_id: UUID, new: NewResume) -> ResumeVersion:
        """Create a resume version owned by the caller."""
        now = self.ctx.clock.now()
        resume = ResumeVersion(
            id=self.ctx.ids(),
            user_id=user_id,
            version_name=new.version_name,
            notes=new.notes,
            file_url=new.file_url,
            created_at=now,
            updated_at=now,
        )
        async with self.ctx.storage.write() as uow:
            await uow.resumes.add(resume)
            await uow.commit()
        return resume

    async def get(self, user_id: UUID, resume_id: UUID) -> ResumeVersion:
        """One of the caller's resume versions."""
        async with self.ctx.storage.read() as uow:
            return await owned_resume(uow, user_id, resume_id)

    async def update(self, user_id: UUID, resume_id: UUID, changes: ResumeChanges) -> ResumeVersion:
        """Apply partial ``changes`` to one of the caller's resume versions."""
        async with self.ctx.storage.write() as uow:
            resume = await owned_resume(uow, user_id, resume_id)
            updated = attrs.evolve(resume, **changes, updated_at=self.ctx.clock.now())
            await uow.resumes.update(updated)
            await uow.commit()
        return updated

    async def delete(self, user_id: UUID, resume_id: UUID) -> None:
        """Delete one of the caller's resume versions; applications using it keep existing, unlinked."""
        async with self.ctx.storage.write() as uow:
            await owned_resume(uow, user_id, resume_id)
            await uow.resumes.delete(resume_id)
            await uow.commit()
