"""Resume uploads: a resume version's document, streamed to the file store (behaviour.md §11).

The order of the work is the point. The resume is checked first (404/403) and only
then is the file received, so nothing is read for someone else's resume. The file is
streamed to the store, which refuses the wrong kind and anything past 10 MiB and
keeps nothing then, *before* the unit of work that points the resume at it opens: an
upload, however slow its sender, never holds the database's writer. Files are removed
only after the commit that stops pointing at them, so a failed write never leaves a
resume pointing at nothing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from uuid import UUID

import attrs

from ..entities import ResumeVersion
from ..errors import Forbidden, NotFound
from ..ports import UnitOfWork
from ..uploads import (
    FILE_NOT_FOUND,
    MAX_UPLOAD_BYTES,
    Receive,
    ResumeUpload,
    StoredFile,
    checked_chunks,
    declared_kind,
    kind_of_name,
    resume_file_key,
    resume_folder,
    safe_filename,
)
from .base import RESUME, ServiceContext, owned

__all__ = ["UploadService", "remove_tree"]

logger = logging.getLogger(__name__)


@attrs.frozen
class UploadService:
    """Stores a resume version's document and serves it back to its owner."""

    ctx: ServiceContext

    async def upload_resume(self, user_id: UUID, resume_id: UUID, receive: Receive) -> ResumeUpload:
        """Store the file ``receive`` delivers as the resume version's document and point its
        ``file_url`` at it.

        Checks, in order: the resume exists (``NotFound("Resume version not found")``) and
        is the caller's (``Forbidden("Not your resume")``); only then is ``receive`` called
        (it may raise for a request without a file). The declared content type and the
        file's leading bytes must both be the same one of PDF, DOC or DOCX
        (``BusinessRuleViolation("Only PDF and Word documents are allowed")``); more than
        10 MiB is ``FileTooLarge``. The file is kept under
        ``{user_id}/{resume_id}/{safe name}``, replacing one of the same name only once it
        is complete; a failed upload leaves the resume and its previous file as they were.
        The previous file, under another name, is removed after the commit.
        """
        before = await self.ctx.read(lambda uow: owned(uow, RESUME, user_id, resume_id))
        incoming = await receive()
        kind = declared_kind(incoming.content_type)
        key = resume_file_key(user_id, resume_id, safe_filename(incoming.filename, kind))
        async with contextlib.aclosing(checked_chunks(incoming.chunks, kind)) as chunks:
            url = await self.ctx.files.save(
                key, chunks, content_type=kind.content_type, max_bytes=MAX_UPLOAD_BYTES
            )

        async def work(uow: UnitOfWork) -> tuple[ResumeVersion, ResumeVersion]:
            resume = await owned(uow, RESUME, user_id, resume_id, for_update=True)
            updated = attrs.evolve(resume, file_url=url, updated_at=self.ctx.clock.now())
            await uow.owned(ResumeVersion).update(updated)
            return resume, updated

        try:
            previous, updated = await self.ctx.write(work)
        except Exception as exc:
            # Nothing points at the new file, unless it took the place of the one the resume
            # already had (same name): that one stays, as the resume still points at it. A
            # resume that vanished (or changed hands) meanwhile keeps nothing.
            if isinstance(exc, NotFound | Forbidden) or self._key_in(before, user_id, resume_id) != key:
                await self._remove(key)
            raise
        old = self._key_in(previous, user_id, resume_id)
        if old is not None and old != key:
            await self._remove(old)
        return ResumeUpload(file_url=url, resume=updated)

    async def open_resume_file(
        self, user_id: UUID, owner_id: UUID, resume_id: UUID, filename: str
    ) -> StoredFile:
        """The file kept under ``{owner_id}/{resume_id}/{filename}``, for its owner only.

        The resume must exist (``NotFound("Resume version not found")``) and be the
        caller's (``Forbidden("Not your resume")``), as for every resume route, and its
        ``file_url`` must be this very file: anything else, also a file left behind, is
        ``NotFound("File not found")``. The store is asked for the file before this
        returns, so a missing one is an error here, not halfway through a response.
        """
        resume = await self.ctx.read(lambda uow: owned(uow, RESUME, user_id, resume_id))
        key = resume_file_key(owner_id, resume_id, filename)
        kind = kind_of_name(filename)
        if owner_id != user_id or kind is None or self._key_in(resume, user_id, resume_id) != key:
            raise NotFound(FILE_NOT_FOUND)
        chunks = self.ctx.files.open(key)
        try:
            first = await anext(chunks, b"")
        except BaseException:
            await _close(chunks)
            raise
        return StoredFile(filename=filename, content_type=kind.content_type, chunks=_prepend(first, chunks))

    def _key_in(self, resume: ResumeVersion, user_id: UUID, resume_id: UUID) -> str | None:
        """The key of the stored file ``resume.file_url`` points at, if it is one of this
        resume's own: a link the client set (``PUT``), even to another of its files, is
        never removed or served on this resume's behalf."""
        key = self.ctx.files.key_of(resume.file_url) if resume.file_url else None
        if key is None or key.rpartition("/")[0] != resume_folder(user_id, resume_id):
            return None
        return key

    async def _remove(self, key: str) -> None:
        """Remove a file nothing points at; a failure is logged, never raised (the request's
        own work is done or has failed for a reason of its own)."""
        try:
            await self.ctx.files.delete(key)
        except Exception:
            logger.exception("could not remove the stored file %s", key)


async def remove_tree(ctx: ServiceContext, prefix: str) -> None:
    """Remove the stored files under ``prefix`` once the rows that pointed at them are gone
    (a deleted resume version, a deleted account); a failure is logged, never raised: the
    deletion itself committed."""
    try:
        await ctx.files.delete_tree(prefix)
    except Exception:
        logger.exception("could not remove the stored files under %s", prefix)


async def _prepend(first: bytes, rest: AsyncIterator[bytes]) -> AsyncGenerator[bytes, None]:
    """``first`` (unless empty), then ``rest``; closing this closes ``rest``."""
    try:
        if first:
            yield first
        async for chunk in rest:
            yield chunk
    finally:
        await _close(rest)


async def _close(chunks: AsyncIterator[bytes]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()
