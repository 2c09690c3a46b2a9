"""Uploaded documents: which files are accepted, how they are named and where they are kept
(behaviour.md §11).

Pure rules, no I/O: the accepted kinds (PDF, DOC, DOCX) with their declared content
types and leading bytes, the check of a stream's leading bytes, the safe file name,
the storage keys (``{user_id}/{resume_id}/{name}``), and :class:`NoFileStore`, the
``FileStore`` of a library user who configured none.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable
from urllib.parse import quote
from uuid import UUID

import attrs

from .entities import ResumeVersion
from .errors import BusinessRuleViolation, NotFound, Unavailable

__all__ = [
    "DOC",
    "DOCUMENT_KINDS",
    "DOCX",
    "FILE_NOT_FOUND",
    "MAX_NAME_LENGTH",
    "MAX_UPLOAD_BYTES",
    "NOT_ALLOWED",
    "PDF",
    "DocumentKind",
    "IncomingFile",
    "NoFileStore",
    "Receive",
    "ResumeUpload",
    "StoredFile",
    "checked_chunks",
    "declared_kind",
    "kind_of_name",
    "resume_file_key",
    "resume_folder",
    "safe_filename",
    "user_folder",
]

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
"""10 MiB: one byte more is ``FileTooLarge`` ("File too large (max 10 MB)")."""
NOT_ALLOWED = "Only PDF and Word documents are allowed"
FILE_NOT_FOUND = "File not found"
MAX_NAME_LENGTH = 200
"""Longest stored name, counted percent-encoded as it appears in a URL (so at most 200 UTF-8
bytes on disk, and a ``file_url`` of ``/api/v1/files/{user}/{resume}/{name}`` stays far
inside the column's 500 characters)."""
DEFAULT_STEM = "resume"


@attrs.frozen
class DocumentKind:
    """One accepted kind of document: the content type a sender declares for it, the
    extension it is stored with, and the bytes every such file starts with."""

    label: str
    content_type: str
    extension: str
    signature: bytes


PDF = DocumentKind("PDF", "application/pdf", "pdf", b"%PDF-")
DOC = DocumentKind("DOC", "application/msword", "doc", bytes.fromhex("D0CF11E0A1B11AE1"))  # OLE2
DOCX = DocumentKind(
    "DOCX",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docx",
    b"PK\x03\x04",  # a zip archive
)
DOCUMENT_KINDS = (PDF, DOC, DOCX)
_BY_CONTENT_TYPE = {kind.content_type: kind for kind in DOCUMENT_KINDS}
_BY_EXTENSION = {kind.extension: kind for kind in DOCUMENT_KINDS}


def declared_kind(content_type: str | None) -> DocumentKind:
    """The kind a declared content type names (parameters and case ignored);
    ``BusinessRuleViolation(NOT_ALLOWED)`` for any other type or none."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    kind = _BY_CONTENT_TYPE.get(media_type)
    if kind is None:
        raise BusinessRuleViolation(NOT_ALLOWED)
    return kind


def kind_of_name(filename: str) -> DocumentKind | None:
    """The kind a stored name's extension stands for (names come from :func:`safe_filename`,
    which always ends them with their kind's extension); ``None`` for any other name."""
    _, dot, extension = filename.rpartition(".")
    return _BY_EXTENSION.get(extension.lower()) if dot else None


async def checked_chunks(chunks: AsyncIterable[bytes], kind: DocumentKind) -> AsyncGenerator[bytes, None]:
    """``chunks`` unchanged, once their first bytes are ``kind``'s signature;
    ``BusinessRuleViolation(NOT_ALLOWED)`` otherwise (an empty file included).

    Only the signature's few bytes are held back before the first chunk is passed
    on, so a file of the wrong kind is refused before a store keeps anything of it.
    """
    iterator = aiter(chunks)
    try:
        head = b""
        async for chunk in iterator:  # leaving this loop by break does not close the iterator
            head += chunk
            if len(head) >= len(kind.signature):
                break
        if not head.startswith(kind.signature):
            raise BusinessRuleViolation(NOT_ALLOWED)
        yield head
        async for chunk in iterator:
            yield chunk
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:  # stop the sender's stream too, whatever ended this one
            await aclose()


# Path separators of every system, the characters Windows refuses in names, and the quote
# that would end a Content-Disposition file name early.
_REFUSED = frozenset('/\\:*?"<>|')
# Control, invisible formatting, lone surrogate (cannot be written as UTF-8), line and
# paragraph separator characters: none belongs in a file name.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SPACES = re.compile(r"\s+")


def safe_filename(filename: str | None, kind: DocumentKind) -> str:
    """A name to store an upload of ``kind`` under, made from the name its sender gave.

    Only the last path component is kept (``../../etc/passwd.pdf`` → ``passwd.pdf``,
    ``C:\\Users\\me\\cv.pdf`` → ``cv.pdf``); control and invisible characters and the
    characters Windows refuses are removed; ``..`` becomes ``.``; leading and trailing
    dots and spaces go (no hidden files: the store's temporaries start with a dot), runs
    of white space become one space. The name always ends with the kind's extension: a
    name ending with another one gets it appended (``cv.txt`` → ``cv.txt.pdf``), so the
    stored name says what the bytes are. What is left empty (no name, ``..``, ``.pdf``)
    becomes ``resume`` (``resume.pdf``). A long name is shortened from the end of its
    stem to :data:`MAX_NAME_LENGTH` characters percent-encoded.
    """
    text = unicodedata.normalize("NFC", filename or "")
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(
        ch for ch in text if ch not in _REFUSED and unicodedata.category(ch) not in _REFUSED_CATEGORIES
    )
    text = _SPACES.sub(" ", text)
    while ".." in text:
        text = text.replace("..", ".")
    text = text.rstrip(". ")
    stem, dot, extension = text.rpartition(".")
    if not dot or extension.lower() != kind.extension:
        stem, extension = text, kind.extension
    stem = stem.strip(". ")
    suffix = f".{extension}"
    room = MAX_NAME_LENGTH - len(quote(suffix, safe=""))
    while stem and len(quote(stem, safe="")) > room:
        stem = stem[:-1].rstrip(". ")
    return f"{stem or DEFAULT_STEM}{suffix}"


def user_folder(user_id: UUID) -> str:
    """The key prefix of every file of one user (removed with the account)."""
    return str(user_id)


def resume_folder(user_id: UUID, resume_id: UUID) -> str:
    """The key prefix of one resume version's files (removed with the resume)."""
    return f"{user_id}/{resume_id}"


def resume_file_key(user_id: UUID, resume_id: UUID, filename: str) -> str:
    """Where a resume version's file is kept: ``{user_id}/{resume_id}/{filename}``."""
    return f"{resume_folder(user_id, resume_id)}/{filename}"


@attrs.frozen
class IncomingFile:
    """A file as it arrives: the name and content type its sender declared (either may be
    missing), and its bytes as they come, never all at once."""

    filename: str | None
    content_type: str | None
    chunks: AsyncIterable[bytes]


Receive = Callable[[], Awaitable[IncomingFile]]
"""Called by the upload service once the caller may upload, to start receiving the file."""


@attrs.frozen
class StoredFile:
    """A stored file on its way out: its name, the content type of its kind, and its bytes.

    ``chunks`` holds the file open until it is exhausted or closed (``aclose()``).
    """

    filename: str
    content_type: str
    chunks: AsyncGenerator[bytes, None]


@attrs.frozen
class ResumeUpload:
    """The answer to an upload: the new ``file_url`` and the resume version carrying it."""

    file_url: str
    resume: ResumeVersion


class NoFileStore:
    """The ``FileStore`` when none was configured (a library user's default): nothing is
    stored, so there is nothing to read or remove, and an upload answers 503."""

    async def save(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str, max_bytes: int) -> str:
        """Refuse: ``Unavailable("File uploads are not configured")``."""
        raise Unavailable("File uploads are not configured")

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """There are no files: ``NotFound``."""
        raise NotFound(FILE_NOT_FOUND)
        yield b""  # pragma: no cover - makes this an async generator, as the port's open is used

    async def delete(self, key: str) -> None:
        """Nothing to remove."""

    async def delete_tree(self, prefix: str) -> None:
        """Nothing to remove."""

    def key_of(self, url: str) -> str | None:
        """No URL is one of this store's."""
        return None
