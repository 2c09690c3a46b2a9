"""``/documents``: documents attached to the caller's applications.

The list is ``GET /documents/{application_id}`` and the edits are
``PUT``/``DELETE /documents/{doc_id}``: the same path shape, told apart by the
method (aiohttp tries the next route of that shape when the method does not
match), with each one's own name in a 422's ``loc``.
"""

from __future__ import annotations

from aiohttp import web

from offertracker_core.inputs import DocumentChanges, NewDocument

from ..parsing import parse_body, parse_path_id, parse_query
from ..rendering import json_response
from ..schemas import Page
from ._common import Routes, caller, deleted, services

routes = Routes()


@routes.get("/documents/{application_id}")
async def list_documents(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    # Ours: the reference lists every document, but a page ends at the byte budget like every
    # list (offertracker_core.pages), so it pages too.
    query = parse_query(request, Page)
    documents = await services(request).documents.list(
        caller(request), application_id, query.skip, query.limit
    )
    return json_response(documents)


@routes.post("/documents/")
async def create_document(request: web.Request) -> web.Response:
    new = await parse_body(request, NewDocument)
    return json_response(await services(request).documents.create(caller(request), new), status=201)


@routes.put("/documents/{doc_id}")
async def update_document(request: web.Request) -> web.Response:
    doc_id = parse_path_id(request, "doc_id")
    changes = await parse_body(request, DocumentChanges)
    return json_response(await services(request).documents.update(caller(request), doc_id, changes))


@routes.delete("/documents/{doc_id}")
async def delete_document(request: web.Request) -> web.Response:
    doc_id = parse_path_id(request, "doc_id")
    await services(request).documents.delete(caller(request), doc_id)
    return deleted("Document")
