"""``/account/…``: your data out (a JSON document, a zip with the uploaded files, a CSV) and back in.

The exports are streamed: the core reads the account in pages from one snapshot
and each page is written to the response as soon as it is rendered
(:mod:`offertracker_http.account_export`, :mod:`offertracker_http.account_csv`).
The import reads its document (a JSON body, or a ``multipart/form-data`` body with
the document in ``file``) in chunks, counting bytes, and refuses it past
``OFFERTRACKER_ACCOUNT_IMPORT_MAX_BYTES`` (413) before parsing anything; the
parse runs in a worker thread, so a 50 MiB document does not stall the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator

from aiohttp import web

from offertracker_core.account_data import AccountDocument, ImportSummary
from offertracker_core.import_registry import DEFAULT_MAX_ACCOUNT_BYTES

from ..account_csv import csv_chunks
from ..account_export import document_chunks, export_filename, zip_chunks
from ..converter import json_converter
from ..multipart import READ_CHUNK, receive_file
from ..operations import FileUpload, JsonOrUpload, MediaType
from ..parsing import decode_json, structure_body
from ..schemas import ExportDocument, ExportFormat, ExportQuery
from ._common import Routes, caller, services

__all__ = ["FILE_PART", "routes"]

log = logging.getLogger("offertracker.http")

routes = Routes("account")

FILE_PART = "file"

json_converter.get_structure_hook(AccountDocument)  # generated now: no first-request cost


@routes.get(
    "/account/export",
    response=MediaType(
        ("application/json", "application/zip"),
        "The export document (or a zip of it with the uploaded files); the import reads the same shape",
        ExportDocument,
    ),
)
async def export_account(request: web.Request, query: ExportQuery) -> web.StreamResponse:
    """Export everything you own as one versioned JSON document (``?format=zip``: with the uploaded files).

    The document (``"format": "offertracker-export", "version": 1``) holds the profile,
    resumes, tags, applications with their stages, outcome, reflection, documents and
    tag assignments, contacts, reminders, saved jobs, the activity log and the
    milestones reached. It is streamed as it is read, so any account size works.
    """
    svc = services(request)
    user_id = caller(request)
    now = svc.context.clock.now()
    if query.format == ExportFormat.ZIP:
        chunks = zip_chunks(svc.account, user_id, now)
        content_type, charset, extension = "application/zip", None, "zip"
    else:
        chunks = document_chunks(svc.account, user_id, now)
        content_type, charset, extension = "application/json", "utf-8", "json"
    return await _stream(request, chunks, content_type, charset, export_filename(now.date(), extension))


@routes.get(
    "/account/export/applications.csv",
    response=MediaType(("text/csv",), "One row per application, with a header row (UTF-8, RFC 4180)"),
)
async def export_applications_csv(request: web.Request) -> web.StreamResponse:
    """Export your applications as CSV: one row per application, the columns a spreadsheet expects.

    Text cells starting with ``=``, ``+``, ``-`` or ``@`` get a leading ``'`` so no
    spreadsheet runs them as formulas.
    """
    svc = services(request)
    filename = export_filename(svc.context.clock.now().date(), "csv").replace("export", "applications", 1)
    return await _stream(request, csv_chunks(svc.account, caller(request)), "text/csv", "utf-8", filename)


@routes.post(
    "/account/import",
    errors=(400,),  # a multipart body that is not valid multipart
    request_body=JsonOrUpload(
        AccountDocument, FileUpload(FILE_PART, ("application/json",), DEFAULT_MAX_ACCOUNT_BYTES)
    ),
)
async def import_account(request: web.Request) -> ImportSummary:
    """Import an export document into your account, all or nothing, with new ids.

    Items the account holds already (imported before, or its own) are skipped, so
    importing the same document twice changes nothing the second time. The answer
    counts what was created and skipped per kind. A document of a newer version, or
    with a reference to an item it does not hold, is a 422 naming the item.
    """
    svc = services(request)
    limit = svc.context.imports.max_account_bytes
    raw = await _read_capped(request, limit)
    document = await asyncio.to_thread(_parse, raw)
    return await svc.account.import_document(caller(request), document)


def _parse(raw: bytes) -> AccountDocument:
    return structure_body(decode_json(raw), AccountDocument)


async def _read_capped(request: web.Request, limit: int) -> bytes:
    """The document's bytes (the body, or its ``file`` part); 413 once more than ``limit`` came."""
    multipart = request.content_type == "multipart/form-data"
    declared = request.content_length
    if not multipart and declared is not None and declared > limit:
        # Refused from the header alone; a multipart body is counted by its file part instead.
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=declared)
    chunks: AsyncIterator[bytes]
    if multipart:
        incoming, _ = await receive_file(request, FILE_PART)
        chunks = aiter(incoming.chunks)
    else:
        chunks = request.content.iter_chunked(READ_CHUNK)
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    return bytes(body)


async def _stream(
    request: web.Request,
    chunks: AsyncGenerator[bytes, None],
    content_type: str,
    charset: str | None,
    filename: str,
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    response.content_type = content_type
    if charset is not None:
        response.charset = charset
    async with contextlib.aclosing(chunks):
        first = await anext(chunks, b"")  # a failure before anything is sent is still a JSON error
        await response.prepare(request)
        try:
            await response.write(first)
            async for chunk in chunks:
                await response.write(chunk)
            await response.write_eof()
        except ConnectionResetError:
            log.info("export for %s ended by the client disconnecting", caller(request))
        except Exception:
            # Half the body is out: no status can say so any more. Cut the connection, so the
            # client sees a broken transfer rather than a document that merely looks short.
            log.exception("export for %s failed halfway", caller(request))
            if request.transport is not None:
                request.transport.close()
    return response
