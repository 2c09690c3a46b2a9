"""``LocalFileStore``: the ``FileStore`` port on a directory (atomic saves, strict keys, private modes)."""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from offertracker_core.errors import FileTooLarge, NotFound
from offertracker_storage.files import LocalFileStore

KEY = "u1/r1/cv.pdf"


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStore:
    # A tiny batch, so that even these small files take several trips to the disk.
    return LocalFileStore(tmp_path / "uploads", url_prefix="/api/v1/files/", write_batch=4, read_chunk=3)


async def stream(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def read(store: LocalFileStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.open(key)])


def everything(root: Path) -> list[str]:
    return (
        sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        if root.exists()
        else []
    )


async def test_a_saved_file_reads_back_and_its_url_leads_back_to_its_key(store: LocalFileStore):
    url = await store.save(
        KEY, stream(b"%PDF-", b"1.7 hello", b"", b" world"), content_type="x", max_bytes=100
    )
    assert url == "/api/v1/files/u1/r1/cv.pdf"
    assert store.key_of(url) == KEY
    assert await read(store, KEY) == b"%PDF-1.7 hello world"
    assert everything(store.root) == [KEY]


def test_names_are_percent_encoded_in_urls_and_decoded_back(store: LocalFileStore):
    key = "u1/r1/Lebenslauf Müller 100%.pdf"
    url = store.url_of(key)
    assert url == "/api/v1/files/u1/r1/Lebenslauf%20M%C3%BCller%20100%25.pdf"
    assert store.key_of(url) == key


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example/api/v1/files/u1/r1/cv.pdf",
        "/api/v1/other/u1/r1/cv.pdf",
        "/api/v1/files/",
        "/api/v1/files/u1/../cv.pdf",
        "/api/v1/files/u1/%2E%2E/cv.pdf",
        "/api/v1/files/u1/r1/a%2Fb.pdf",
        "/api/v1/files/u1//cv.pdf",
        "/api/v1/files/u1/r1/.upload-x.part",
        "/api/v1/files/u1/r1/c%00v.pdf",
        "/api/v1/files/u1/r1/%FF.pdf",
        "/api/v1/files/u1/r1/cv.pdf?download=1",
        "/api/v1/files/u1/r1/c%76.pdf",  # not how this store spells it
    ],
)
def test_no_other_url_names_a_key(store: LocalFileStore, url: str):
    assert store.key_of(url) is None


@pytest.mark.parametrize(
    "key", ["", "/etc/passwd", "u1/../../etc", "u1/./x", "u1\\x", "u1/.hidden", "C:/x", "u1//x"]
)
async def test_a_malformed_key_is_refused_everywhere(store: LocalFileStore, key: str):
    with pytest.raises(ValueError, match="not a file store key"):
        await store.save(key, stream(b"x"), content_type="x", max_bytes=10)
    with pytest.raises(NotFound):
        await read(store, key)
    await store.delete(key)
    await store.delete_tree(key)
    assert everything(store.root) == []


async def test_more_than_max_bytes_keeps_nothing_and_leaves_the_old_file(store: LocalFileStore):
    await store.save(KEY, stream(b"old"), content_type="x", max_bytes=10)
    await store.save(KEY, stream(b"0123456789"), content_type="x", max_bytes=10)  # exactly the limit
    assert await read(store, KEY) == b"0123456789"
    with pytest.raises(FileTooLarge):
        await store.save(KEY, stream(b"01234", b"56789", b"!"), content_type="x", max_bytes=10)
    assert await read(store, KEY) == b"0123456789"
    assert everything(store.root) == [KEY]


async def test_a_stream_that_fails_keeps_nothing_and_leaves_the_old_file(store: LocalFileStore):
    await store.save(KEY, stream(b"old"), content_type="x", max_bytes=100)

    async def broken() -> AsyncIterator[bytes]:
        yield b"new new new"
        raise ConnectionResetError("Connection lost")

    with pytest.raises(ConnectionResetError):
        await store.save(KEY, broken(), content_type="x", max_bytes=100)
    assert await read(store, KEY) == b"old"
    assert everything(store.root) == [KEY]


async def test_a_save_cancelled_halfway_keeps_nothing(store: LocalFileStore):
    started = asyncio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        yield b"0123456789"  # more than one batch: it reached the disk
        started.set()
        await asyncio.Event().wait()
        yield b"never"

    save = asyncio.create_task(store.save(KEY, stalled(), content_type="x", max_bytes=100))
    await started.wait()
    await asyncio.sleep(0.05)
    assert [name.rsplit("/", 1)[1][:8] for name in everything(store.root)] == [".upload-"]
    save.cancel()
    with pytest.raises(asyncio.CancelledError):
        await save
    assert everything(store.root) == []


async def test_a_missing_file_is_not_found(store: LocalFileStore):
    with pytest.raises(NotFound, match="File not found"):
        await read(store, KEY)
    await store.save(KEY, stream(b"x"), content_type="x", max_bytes=10)
    with pytest.raises(NotFound, match="File not found"):
        await read(store, "u1/r1")  # a folder is no file


async def test_delete_and_delete_tree_remove_what_is_there_and_ignore_what_is_not(store: LocalFileStore):
    for key in ("u1/r1/a.pdf", "u1/r1/b.pdf", "u1/r2/c.pdf", "u2/r3/d.pdf"):
        await store.save(key, stream(b"x"), content_type="x", max_bytes=10)
    await store.delete("u1/r1/a.pdf")
    await store.delete("u1/r1/a.pdf")
    assert everything(store.root) == ["u1/r1/b.pdf", "u1/r2/c.pdf", "u2/r3/d.pdf"]
    await store.delete_tree("u1/r2")
    await store.delete_tree("u1/r2")
    assert everything(store.root) == ["u1/r1/b.pdf", "u2/r3/d.pdf"]
    await store.delete_tree("u1")
    assert everything(store.root) == ["u2/r3/d.pdf"]
    assert sorted(os.listdir(store.root)) == ["u2"]


async def test_a_reader_may_stop_early_and_the_file_is_closed(store: LocalFileStore):
    await store.save(KEY, stream(b"0123456789"), content_type="x", max_bytes=100)
    chunks = store.open(KEY)
    assert await anext(chunks) == b"012"
    await chunks.aclose()  # type: ignore[attr-defined]
    await store.delete(KEY)
    assert everything(store.root) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
async def test_files_are_0600_and_every_folder_0700_whatever_the_umask(tmp_path: Path):
    store = LocalFileStore(tmp_path / "deep" / "uploads", url_prefix="/f/")
    previous = os.umask(0o000)
    try:
        await store.save(KEY, stream(b"x"), content_type="x", max_bytes=10)
    finally:
        os.umask(previous)

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert [mode(store.root / p) for p in ("", "u1", "u1/r1")] == [0o700] * 3
    assert mode(store.root / KEY) == 0o600


async def test_an_existing_root_keeps_its_mode(tmp_path: Path):
    root = tmp_path / "shared"
    root.mkdir(mode=0o750)
    root.chmod(0o750)
    store = LocalFileStore(root, url_prefix="/f/")
    await store.save(KEY, stream(b"x"), content_type="x", max_bytes=10)
    assert stat.S_IMODE(root.stat().st_mode) == 0o750
