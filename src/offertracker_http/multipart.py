"""Reading one file part (and the short text fields before it) from a ``multipart/form-data`` body.

aiohttp's ``client_max_size`` does not apply to ``request.multipart()``, so the
file's bytes are handed on as they arrive, for the receiver to count and cap.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.http import HttpProcessingError

from offertracker_core.uploads import IncomingFile

from .validation import RequestValidationError, error_dict

__all__ = ["FIELD_MAX_BYTES", "READ_CHUNK", "receive_file"]

READ_CHUNK = 64 * 1024
"""Bytes asked of the multipart reader at a time; aiohttp's own buffer stays as small."""
FIELD_MAX_BYTES = 1024
"""The longest text field accepted before the file (a source name, not a document)."""
_MALFORMED = "There was an error parsing the body"  # Starlette's words for a broken multipart body
# What aiohttp's multipart reader raises on a broken body: a bad boundary or ending (ValueError,
# AssertionError), a bad part header (HttpProcessingError: a NUL in it, a line too long, ...), a
# bad ``_charset_`` part (RuntimeError).
_BROKEN_BODY = (ValueError, AssertionError, RuntimeError, HttpProcessingError)


async def receive_file(
    request: web.Request, name: str, fields: Collection[str] = ()
) -> tuple[IncomingFile, dict[str, str]]:
    """The part called ``name``, its content still unread, and the text ``fields`` sent before it.

    Other parts before it are read to the void. No such part (or no multipart body
    at all) is FastAPI's 422 ``missing`` at ``["body", name]``; a field longer than
    ``FIELD_MAX_BYTES`` is a 422 ``string_too_long``; a body that is not valid
    multipart is a 400, as Starlette answers it.
    """
    if request.content_type != "multipart/form-data":
        raise _missing(name)
    found: dict[str, str] = {}
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if isinstance(part, BodyPartReader) and part.name == name:
                incoming = IncomingFile(
                    filename=part.filename,
                    content_type=part.headers.get("Content-Type"),
                    chunks=_chunks(part, reader),
                )
                return incoming, found
            if isinstance(part, BodyPartReader) and part.name is not None and part.name in fields:
                found[part.name] = await _field(part)
            await part.release()
    except _BROKEN_BODY:
        raise web.HTTPBadRequest(reason=_MALFORMED) from None
    raise _missing(name)


async def _field(part: BodyPartReader) -> str:
    value = bytearray()
    while chunk := await part.read_chunk(FIELD_MAX_BYTES + 1):
        value += chunk
        if len(value) > FIELD_MAX_BYTES:
            loc = ("body", part.name or "")
            raise RequestValidationError(
                [
                    error_dict(
                        "string_too_long",
                        loc,
                        f"String should have at most {FIELD_MAX_BYTES} characters",
                        None,
                        {"max_length": FIELD_MAX_BYTES},
                    )
                ]
            )
    return value.decode("utf-8", errors="replace")


async def _chunks(part: BodyPartReader, reader: MultipartReader) -> AsyncIterator[bytes]:
    """The part's bytes; then the rest of the body is read to its closing boundary, so a body
    cut short (aiohttp would end the part at the end of the input) fails before the file is kept."""
    try:
        while chunk := await part.read_chunk(READ_CHUNK):
            yield chunk
        await reader.release()
    except _BROKEN_BODY:
        raise web.HTTPBadRequest(reason=_MALFORMED) from None


def _missing(name: str) -> RequestValidationError:
    return RequestValidationError([error_dict("missing", ("body", name), "Field required", None)])
