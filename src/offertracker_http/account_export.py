"""The export document written as it is read: JSON bytes page by page, optionally inside a zip.

:func:`document_chunks` turns the sections the core hands out
(:meth:`~offertracker_core.services.AccountDataService.export`) into the bytes of
one JSON object (:mod:`offertracker_core.account_data` describes it), a page at a
time. :func:`zip_chunks` wraps those bytes, and then every uploaded resume file,
in a zip written by the standard library's ``zipfile`` to a sink that is drained
after each write: ``zipfile`` writes to an unseekable stream with data
descriptors, so nothing needs to be held back, and the archive never sits in
memory whole. The JSON entry is deflated; the files (PDF and DOCX are compressed
already) are stored as they are.
"""

from __future__ import annotations

import contextlib
import logging
import zipfile
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from offertracker_core.account_data import EXPORT_FORMAT, EXPORT_VERSION
from offertracker_core.entities import ResumeVersion, User
from offertracker_core.errors import NotFound
from offertracker_core.ports import ApplicationBundle, EarnedMilestone
from offertracker_core.services import AccountDataService, ExportFile

from .converter import format_datetime, json_converter
from .rendering import to_json

__all__ = ["DOCUMENT_ENTRY", "document_chunks", "export_filename", "render_item", "zip_chunks"]

DOCUMENT_ENTRY = "offertracker-export.json"
"""The name of the JSON document inside a zip export."""

log = logging.getLogger("offertracker.http")

_PROFILE_FIELDS = (
    "email",
    "username",
    "display_name",
    "bio",
    "is_profile_public",
    "profile_visibility",
    "streak_days",
    "last_active_date",
    "created_at",
)


def export_filename(today: date, extension: str) -> str:
    """``offertracker-export-YYYY-MM-DD.<extension>``."""
    return f"offertracker-export-{today.isoformat()}.{extension}"


def _plain(entity: Any) -> dict[str, Any]:
    body: dict[str, Any] = json_converter.unstructure(entity)
    body.pop("user_id", None)
    return body


def render_item(section: str, item: Any, file_of: Callable[[ResumeVersion], ExportFile | None]) -> Any:
    """One item of ``section`` as the document holds it (entities without ``user_id``)."""
    if section == "profile":
        assert isinstance(item, User)
        return {name: getattr(item, name) for name in _PROFILE_FIELDS}
    if section == "resumes":
        body = _plain(item)
        found = file_of(item)
        body["file"] = None if found is None else found.entry
        return body
    if section == "applications":
        assert isinstance(item, ApplicationBundle)
        body = json_converter.unstructure(item.detail)
        body.pop("user_id", None)
        body["documents"] = [_plain(document) for document in item.documents]
        body["tags"] = [_plain(assignment) for assignment in item.tags]
        return body
    if section == "milestones":
        assert isinstance(item, EarnedMilestone)
        return {"name": item.milestone.name, "reached_at": item.reached_at}
    return _plain(item)


async def document_chunks(
    account: AccountDataService,
    user_id: UUID,
    exported_at: datetime,
    *,
    resumes: list[ExportFile] | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> AsyncGenerator[bytes, None]:
    """The export of ``user_id`` as JSON bytes, a page per chunk; uploaded files met on the way are
    appended to ``resumes`` (for a zip), and ``progress`` hears each page's section and size."""

    def file_of(resume: ResumeVersion) -> ExportFile | None:
        found = account.resume_file(user_id, resume)
        if found is not None and resumes is not None:
            resumes.append(found)
        return found

    header = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "exported_at": format_datetime(exported_at)}
    yield to_json(header)[:-1]  # the object stays open: the sections follow
    current: str | None = None
    async with contextlib.aclosing(account.export(user_id)) as sections:
        async for section, items in sections:
            if progress is not None:
                progress(section, len(items))
            parts: list[bytes] = []
            if section == "profile":
                parts.append(b',"profile":' + to_json(render_item(section, items[0], file_of)))
                yield b"".join(parts)
                continue
            if section != current:
                parts.append(
                    (b"]" if current not in (None, "profile") else b"") + b',"' + section.encode() + b'":['
                )
                first = True
                current = section
            else:
                first = False
            for item in items:
                if not first:
                    parts.append(b",")
                parts.append(to_json(render_item(section, item, file_of)))
                first = False
            yield b"".join(parts)
    yield b"]}"


class _Sink:
    """What ``zipfile`` writes to: a buffer drained after every write (no ``seek``, so the zip is
    written for an unseekable stream)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._written = 0

    def write(self, data: bytes) -> int:
        self._buffer += data
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


async def zip_chunks(
    account: AccountDataService,
    user_id: UUID,
    exported_at: datetime,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> AsyncGenerator[bytes, None]:
    """A zip with the JSON document (:data:`DOCUMENT_ENTRY`) and every uploaded resume file under
    ``files/<resume id>/<name>``, as bytes in chunks."""
    sink = _Sink()
    files: list[ExportFile] = []
    stamp = exported_at.timetuple()[:6]
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[call-overload]
        entry = zipfile.ZipInfo(DOCUMENT_ENTRY, date_time=stamp)
        entry.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(entry, mode="w", force_zip64=True) as out:
            async for chunk in document_chunks(
                account, user_id, exported_at, resumes=files, progress=progress
            ):
                out.write(chunk)
                if data := sink.take():
                    yield data
        for found in files:
            chunks = found.open()
            try:
                first = await anext(chunks, b"")
            except NotFound:  # the file vanished from the store: the document still names it
                log.warning("export of %s: the file %s is missing from the store", user_id, found.entry)
                await _close(chunks)
                continue
            entry = zipfile.ZipInfo(found.entry, date_time=stamp)
            entry.compress_type = zipfile.ZIP_STORED
            try:
                with archive.open(entry, mode="w", force_zip64=True) as out:
                    out.write(first)
                    async for chunk in chunks:
                        out.write(chunk)
                        if data := sink.take():
                            yield data
            finally:
                await _close(chunks)
            if data := sink.take():
                yield data
    yield sink.take()


async def _close(chunks: AsyncIterator[bytes]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()
