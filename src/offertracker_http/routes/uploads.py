"""``/upload/resumes/{resume_id}`` and ``/files/…``: a resume version's document, in and out.

The upload streams the multipart ``file`` part to the core in chunks (aiohttp's
``client_max_size`` does not apply to ``request.multipart()``: the core's store counts
the bytes and stops at 10 MiB), and the part is looked for only when the core asks for
it, after the resume was found to be the caller's. The download streams the stored file
back to its owner as an attachment.
"""

from __future__ import annotations

import logging
from urllib.parse import quote
from uuid import UUID

from aiohttp import web

from offertracker_core.errors import BusinessRuleViolation, Forbidden, NotFound
from offertracker_core.uploads import DOCUMENT_KINDS, MAX_UPLOAD_BYTES, IncomingFile, ResumeUpload

from ..multipart import READ_CHUNK, receive_file
from ..operations import FileUpload, MediaType
from ._common import API_PREFIX, Routes, caller, services

__all__ = ["DOWNLOAD_PREFIX", "FILE_PART", "READ_CHUNK", "routes"]

log = logging.getLogger("offertracker.http")

routes = Routes("resumes")

DOWNLOAD_PREFIX = f"{API_PREFIX}/files/"
"""Where stored files are served: ``{DOWNLOAD_PREFIX}{user_id}/{resume_id}/{name}`` (the store's key)."""
FILE_PART = "file"


_DOCUMENTS = tuple(kind.content_type for kind in DOCUMENT_KINDS)


@routes.post(
    "/upload/resumes/{resume_id}",
    errors=(NotFound, Forbidden, BusinessRuleViolation),
    request_body=FileUpload(FILE_PART, _DOCUMENTS, MAX_UPLOAD_BYTES),
)
async def upload_resume(request: web.Request, resume_id: UUID) -> ResumeUpload:
    """Upload a resume version's document (PDF or Word, at most 10 MiB) as the ``file`` part."""
    try:
        return await services(request).uploads.upload_resume(
            caller(request), resume_id, lambda: _receive_file(request)
        )
    except ConnectionResetError:
        # The sender went away halfway; the store kept nothing. Nobody is left to answer.
        log.info("upload to resume %s ended by the client disconnecting", resume_id)
        raise web.HTTPBadRequest(reason="Upload interrupted") from None


@routes.get(
    "/files/{owner_id}/{resume_id}/{filename}",
    errors=(NotFound, Forbidden),
    response=MediaType(_DOCUMENTS, "The stored document, as an attachment"),
)
async def download_file(
    request: web.Request, owner_id: UUID, resume_id: UUID, filename: str
) -> web.StreamResponse:
    """Download a resume version's document (its owner only)."""
    stored = await services(request).uploads.open_resume_file(caller(request), owner_id, resume_id, filename)
    response = web.StreamResponse(headers={"Content-Disposition": _attachment(stored.filename)})
    response.content_type = stored.content_type
    try:
        await response.prepare(request)
        async for chunk in stored.chunks:
            await response.write(chunk)
        await response.write_eof()
    except ConnectionResetError:
        log.info("download of resume %s's file ended by the client disconnecting", resume_id)
    finally:
        await stored.chunks.aclose()
    return response


async def _receive_file(request: web.Request) -> IncomingFile:
    """The ``file`` part of a ``multipart/form-data`` body, its content still unread."""
    incoming, _ = await receive_file(request, FILE_PART)
    return incoming


def _attachment(filename: str) -> str:
    """``Content-Disposition`` for a download: an ASCII fallback name and the exact one (RFC 6266)."""
    fallback = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
