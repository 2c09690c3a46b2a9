"""Documents: cover letters, portfolios and the like, attached to the caller's applications.

A document has no ``user_id``: it belongs to whoever owns its application, so
every ownership check goes through the application. The application is the
document's parent, not a mere reference, so someone else's answers as it does
on the application's own endpoints (behaviour.md §3, and the reference's
"404 application not found · 403 not your application" on ``POST /documents/``):
``NotFound("Application not found")`` / ``Forbidden("Not your application")``.
A document id of someone else's application is ``Forbidden("Not your document")``.
Creating one is logged as "Document Added" (§7); it is not a tracked action (§6).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import attrs

from .. import activity
from ..entities import Document
from ..inputs import DocumentChanges, NewDocument
from ..ports import UnitOfWork
from ..validation import validate_changes
from .base import APPLICATION, Ownable, ServiceContext, ensure_owner, owned

__all__ = ["DOCUMENT", "DocumentService", "owned_document"]

# Typed loosely: a document carries no user_id of its own, so only ensure_owner (given the
# application's owner) applies its messages, never owned().
DOCUMENT: Ownable[Any] = Ownable(Document, "Document not found", "Not your document")


async def owned_document(
    uow: UnitOfWork, user_id: UUID, document_id: UUID, *, for_update: bool = False
) -> Document:
    """The document ``document_id`` if its application is ``user_id``'s; ``NotFound("Document not
    found")`` if there is none, ``Forbidden("Not your document")`` if it is someone else's."""
    found = await uow.documents.get_owned(document_id, for_update=for_update)
    ensure_owner(DOCUMENT, user_id, None if found is None else found[0])
    assert found is not None  # ensure_owner raised otherwise
    return found[1]


@attrs.frozen
class DocumentService:
    """Lists, creates, edits and deletes the documents of the caller's applications."""

    ctx: ServiceContext

    async def list(
        self, user_id: UUID, application_id: UUID, skip: int = 0, limit: int = 100
    ) -> list[Document]:
        """The documents of one of the caller's applications, newest first."""

        async def work(uow: UnitOfWork) -> list[Document]:
            await owned(uow, APPLICATION, user_id, application_id)
            return await uow.documents.list_for_application(application_id, skip, limit)

        return await self.ctx.read(work)

    async def create(self, user_id: UUID, new: NewDocument) -> Document:
        """Attach a document to one of the caller's applications; logs "Document Added"."""
        now = self.ctx.clock.now()
        document = Document(
            id=self.ctx.ids(), **attrs.asdict(new, recurse=False), created_at=now, updated_at=now
        )

        async def work(uow: UnitOfWork) -> Document:
            # Read, not locked: nothing of the application changes. Should it be deleted before the
            # insert, the foreign key fails, the write runs again and this check answers 404.
            await owned(uow, APPLICATION, user_id, document.application_id)
            await uow.documents.add(document)
            uow.log(activity.document_added(self.ctx.ids(), user_id, document, now))
            return document

        return await self.ctx.write(work)

    async def update(self, user_id: UUID, document_id: UUID, changes: DocumentChanges) -> Document:
        """Apply partial ``changes`` to a document of one of the caller's applications."""
        changes = validate_changes(DocumentChanges, changes)
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> Document:
            document = await owned_document(uow, user_id, document_id, for_update=True)
            updated = attrs.evolve(document, **changes, updated_at=now)
            await uow.documents.update(updated)
            return updated

        return await self.ctx.write(work)

    async def delete(self, user_id: UUID, document_id: UUID) -> None:
        """Delete a document of one of the caller's applications."""

        async def work(uow: UnitOfWork) -> None:
            await owned_document(uow, user_id, document_id, for_update=True)
            await uow.documents.delete(document_id)

        await self.ctx.write(work)
