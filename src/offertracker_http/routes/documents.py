"""``/documents``: documents attached to the caller's applications.

The list is ``GET /documents/{application_id}`` and the edits are
``PUT``/``DELETE /documents/{doc_id}``: the same path shape, told apart by the
method (aiohttp tries the next route of that shape when the method does not
match), with each one's own name in a 422's ``loc``.
"""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from offertracker_core.entities import Document
from offertracker_core.errors import Forbidden, NotFound
from offertracker_core.inputs import DocumentChanges, NewDocument

from ..schemas import Message, Page
from ._common import Routes, caller, deleted, services

routes = Routes("documents")


@routes.get("/documents/{application_id}", errors=(NotFound, Forbidden))
async def list_documents(request: web.Request, application_id: UUID, query: Page) -> list[Document]:
    # Ours: the reference lists every document, but a page ends at the byte budget like every
    # list (offertracker_core.pages), so it pages too.
    return await services(request).documents.list(caller(request), application_id, query.skip, query.limit)


@routes.post("/documents/", status=201, errors=(NotFound, Forbidden))
async def create_document(request: web.Request, new: NewDocument) -> Document:
    return await services(request).documents.create(caller(request), new)


@routes.put("/documents/{doc_id}", errors=(NotFound, Forbidden))
async def update_document(request: web.Request, doc_id: UUID, changes: DocumentChanges) -> Document:
    return await services(request).documents.update(caller(request), doc_id, changes)


@routes.delete("/documents/{doc_id}", errors=(NotFound, Forbidden))
async def delete_document(request: web.Request, doc_id: UUID) -> Message:
    await services(request).documents.delete(caller(request), doc_id)
    return deleted("Document")
