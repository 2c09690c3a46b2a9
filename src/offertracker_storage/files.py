"""The ``FileStore`` port on a local directory: one file per key, written atomically.

A key ``{user_id}/{resume_id}/{name}`` is the file ``<root>/{user_id}/{resume_id}/{name}``;
directories are created mode 0700 and files 0600 (what is uploaded is private to its
user). A file is written to a temporary file beside its final place and renamed over it
once complete and flushed to disk, so a reader never sees half a file and an upload that
fails (too large, wrong kind, its sender gone) leaves what was there before untouched
and nothing of its own. Every blocking call runs on a worker thread: the event loop
only counts bytes and hands batches of them over.

The URL of a key is ``url_prefix`` followed by the key, percent-encoded: the HTTP edge
serves it (to the file's owner only; the store itself knows nothing about who asks).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable
from pathlib import Path
from typing import BinaryIO, TypeVar
from urllib.parse import quote, unquote

from offertracker_core.errors import FileTooLarge, NotFound
from offertracker_core.uploads import FILE_NOT_FOUND

__all__ = ["LocalFileStore", "key_segments"]

T = TypeVar("T")

_PRIVATE_DIR = 0o700
_PRIVATE_FILE = 0o600
_TEMPORARY_PREFIX = ".upload-"  # a stored name never starts with a dot, so no key can name one
_REFUSED_IN_SEGMENT = frozenset("/\\:\x00")


class LocalFileStore:
    """Keeps files under ``root`` (created on first use, mode 0700; an existing one keeps its mode).

    ``url_prefix`` starts every URL :meth:`save` returns (``/api/v1/files/``). Bytes go to
    disk in batches of ``write_batch`` (one worker-thread hop each) and are read back in
    chunks of ``read_chunk``, so a file is never held in memory whole.
    """

    def __init__(
        self, root: Path, *, url_prefix: str, write_batch: int = 256 * 1024, read_chunk: int = 256 * 1024
    ) -> None:
        self.root = Path(root)
        self.url_prefix = url_prefix
        self._write_batch = write_batch
        self._read_chunk = read_chunk

    # --- keys and URLs ------------------------------------------------------------

    def url_of(self, key: str) -> str:
        """The URL :meth:`save` returns for ``key``."""
        return self.url_prefix + quote(key, safe="/")

    def key_of(self, url: str) -> str | None:
        """The key behind one of this store's URLs; ``None`` for any other (or a malformed) URL."""
        if not url.startswith(self.url_prefix):
            return None
        try:
            key = unquote(url[len(self.url_prefix) :], errors="strict")
        except UnicodeDecodeError:
            return None
        return key if key_segments(key) is not None and self.url_of(key) == url else None

    def _path(self, key: str) -> Path:
        segments = key_segments(key)
        if segments is None:
            raise ValueError(f"not a file store key: {key!r}")
        return self.root.joinpath(*segments)

    # --- the port -----------------------------------------------------------------

    async def save(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str, max_bytes: int) -> str:
        """Write ``chunks`` to a temporary file beside ``key``'s place, then rename it into place.

        More than ``max_bytes`` raises ``FileTooLarge`` as soon as they arrive; that, or any
        error the chunks raise, removes the temporary file and leaves an existing file under
        ``key`` as it was. ``content_type`` is not kept: the core names a file with its
        kind's extension and serves it by that.
        """
        target = self._path(key)
        handle, temporary = await _in_thread(self._create_temporary, target.parent)
        try:
            size = 0
            batch = bytearray()
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise FileTooLarge()
                batch += chunk
                if len(batch) >= self._write_batch:
                    await _in_thread(handle.write, batch)
                    batch = bytearray()  # a new one: the thread is done with the old
            await _in_thread(_complete, handle, batch, temporary, target)
        except BaseException:
            await _in_thread(_discard, handle, temporary)
            raise
        return self.url_of(key)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """The bytes under ``key`` in chunks; ``NotFound("File not found")`` if there is no such file."""
        segments = key_segments(key)
        if segments is None:
            raise NotFound(FILE_NOT_FOUND)
        try:
            handle = await _in_thread(_open_for_reading, self.root.joinpath(*segments))
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise NotFound(FILE_NOT_FOUND) from None
        try:
            while chunk := await _in_thread(handle.read, self._read_chunk):
                yield chunk
        finally:
            handle.close()  # no thread is using it: _in_thread waits for the read it started

    async def delete(self, key: str) -> None:
        """Remove the file under ``key``; nothing happens if there is none."""
        segments = key_segments(key)
        if segments is not None:
            await _in_thread(_unlink_if_present, self.root.joinpath(*segments))

    async def delete_tree(self, prefix: str) -> None:
        """Remove the directory of ``prefix`` with everything in it; nothing happens if there is none."""
        segments = key_segments(prefix)
        if segments is not None:
            await _in_thread(_remove_tree_if_present, self.root.joinpath(*segments))

    # --- on a worker thread ----------------------------------------------------------

    def _create_temporary(self, folder: Path) -> tuple[BinaryIO, Path]:
        self._make_dirs(folder)
        fd, name = tempfile.mkstemp(prefix=_TEMPORARY_PREFIX, suffix=".part", dir=folder)
        os.chmod(name, _PRIVATE_FILE)  # mkstemp says 0600 already; the umask may only have taken away
        return os.fdopen(fd, "wb"), Path(name)

    def _make_dirs(self, folder: Path) -> None:
        """Create ``folder`` and the missing directories above it, down from the root, mode 0700."""
        if not self.root.is_dir():
            _make_private_dir(self.root, parents=True)
        path = self.root
        for part in folder.relative_to(self.root).parts:
            path = path / part
            _make_private_dir(path, parents=False)


def key_segments(key: str) -> list[str] | None:
    """The path segments of a well-formed key, else ``None``: no empty, ``.`` or ``..`` segment,
    no separator, colon or NUL in one, none starting with a dot (temporaries do, and so do
    Supabase's hidden ``.emptyFolderPlaceholder`` objects), nothing UTF-8 cannot write (a
    lone surrogate). Every file store keeps to these rules."""
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return None
    segments = key.split("/")
    for segment in segments:
        if not segment or segment.startswith(".") or not _REFUSED_IN_SEGMENT.isdisjoint(segment):
            return None
    return segments


def _make_private_dir(path: Path, *, parents: bool) -> None:
    try:
        path.mkdir(mode=_PRIVATE_DIR, parents=parents)
    except FileExistsError:
        return
    path.chmod(_PRIVATE_DIR)  # mkdir's mode is filtered by the umask; say exactly what we mean


def _complete(handle: BinaryIO, rest: bytearray, temporary: Path, target: Path) -> None:
    """Write the last bytes, make them durable, and rename the file into place."""
    with handle:
        handle.write(rest)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    _sync_directory(target.parent)  # the rename itself survives a power cut


def _discard(handle: BinaryIO, temporary: Path) -> None:
    handle.close()
    _unlink_if_present(temporary)


def _sync_directory(folder: Path) -> None:
    if os.name != "posix":  # Windows cannot open a directory; NTFS journals the rename
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open_for_reading(path: Path) -> BinaryIO:
    return path.open("rb")


def _unlink_if_present(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _remove_tree_if_present(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(path)


async def _in_thread(function: Callable[..., T], *args: object) -> T:
    """``function(*args)`` on a worker thread.

    A thread cannot be stopped: when the caller is cancelled meanwhile, this still waits
    for the call to end before the cancellation goes on, so the cleanup that follows
    (closing the file, removing it) never races a write or read still running on it.
    """
    call = asyncio.ensure_future(asyncio.to_thread(function, *args))
    try:
        return await asyncio.shield(call)
    except asyncio.CancelledError:
        await asyncio.wait({call})
        raise
