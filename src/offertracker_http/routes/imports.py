"""``/imports``: job postings from a URL, a job board search or a JobSpy CSV become saved jobs.

``POST /imports`` takes JSON (``{"url": ...}`` or ``{"source": ..., "query": ...}``)
or a ``multipart/form-data`` body with the file in ``file`` (and, before it, an
optional ``source`` field naming the importer). The file is streamed to the
importer; the core caps its size. Per-item problems are in the answer (200);
only a request no importer can take is refused (400), and a malformed one (422).
"""

from __future__ import annotations

from aiohttp import web

from offertracker_core.errors import BusinessRuleViolation
from offertracker_core.import_registry import DEFAULT_MAX_BYTES
from offertracker_core.importers import FileInput, ImportInput, QueryInput, UrlInput
from offertracker_core.services import ImportReport

from ..multipart import receive_file
from ..operations import FileUpload, JsonOrUpload
from ..parsing import parse_body
from ..schemas import ImportRequest, ImportSourceView
from ..validation import RequestValidationError, error_dict
from ._common import Routes, caller, services

__all__ = ["routes"]

routes = Routes("imports")

FILE_PART = "file"
SOURCE_FIELD = "source"
_CSV = ("text/csv",)


@routes.get("/imports/sources")
async def list_import_sources(request: web.Request) -> list[ImportSourceView]:
    """List the installed importers: their names, what they take and the plugin they come from."""
    imports = services(request).imports
    return [
        ImportSourceView(
            name=importer.name,
            title=importer.title,
            inputs=list(importer.inputs),
            query=importer.query,
            file_types=list(importer.file_types),
            plugin=imports.plugin_of(importer.name),
        )
        for importer in imports.sources()
    ]


@routes.post(
    "/imports",
    errors=(BusinessRuleViolation,),
    request_body=JsonOrUpload(ImportRequest, FileUpload(FILE_PART, _CSV, DEFAULT_MAX_BYTES), (SOURCE_FIELD,)),
)
async def create_import(request: web.Request) -> ImportReport:
    """Import job postings as saved jobs: from a URL, a source's search query, or an uploaded file.

    Duplicates of the caller's saved jobs (same canonical URL, or same source and
    external id) are skipped; each item that cannot be imported is listed in
    ``errors`` with where it was (a row, a URL) and why.
    """
    source, importer = await _input(request)
    return await services(request).imports.run(caller(request), source, importer=importer)


async def _input(request: web.Request) -> tuple[ImportInput, str | None]:
    if request.content_type == "multipart/form-data":
        incoming, fields = await receive_file(request, FILE_PART, (SOURCE_FIELD,))
        filename = incoming.filename or "upload.csv"
        return FileInput(filename, incoming.chunks), fields.get(SOURCE_FIELD) or None
    body = await parse_body(request, ImportRequest)
    if (body.url is None) == (body.query is None):
        raise RequestValidationError(
            [
                error_dict(
                    "value_error",
                    ("body",),
                    "Value error, send either a url or a query (with its source), not both",
                    {"url": body.url, "query": body.query, "source": body.source},
                    {"error": {}},
                )
            ]
        )
    if body.url is not None:
        return UrlInput(body.url.strip()), body.source
    assert body.query is not None
    return QueryInput(body.query.strip()), body.source
