"""``POST /upload/resumes/{id}`` and the download of what it stored (behaviour.md §11).

Every test runs twice (``supabase_too``): with files in the app's uploads directory
(``<data dir>/uploads`` here) and in the fake Supabase project's Storage bucket. Each
looks at the store as well as at the answer and the database, through :class:`StoreView`,
which answers the same questions for both: which files are held, by key; the
``file_url`` a key gets; how that URL is downloaded. The API's own download route,
``/api/v1/files/{user}/{resume}/{name}``, serves the owner in both modes (in the local
one it is the ``file_url`` itself). What only the local disk has (file modes, the
uploads directory setting, temporary files beside the target) stays ``local_only``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from offertracker_core.uploads import kind_of_name
from offertracker_storage.supabase.files import SupabaseFileStore

from ..supabase.fake import FakeSupabase
from .httpkit import (
    API,
    BOUNDARY,
    DATETIME,
    PASSWORD,
    PDF,
    call,
    create_resume,
    register,
    rows,
    tables,
    upload,
)

pytestmark = pytest.mark.supabase_too

MiB = 1024 * 1024
DOC = "application/msword"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_BYTES = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
DOC_BYTES = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 600
DOCX_BYTES = b"PK\x03\x04" + b"word/document.xml" * 40
NOT_ALLOWED = {"detail": "Only PDF and Word documents are allowed"}
TOO_LARGE = {"detail": "File too large (max 10 MB)"}
# What yarl (and so the store's URLs) leaves unescaped of the characters an object name has.
_URL_SAFE_IN_OBJECT_NAMES = "/()!',&="


@pytest.fixture
def uploads(app_settings) -> Path:
    return app_settings.uploads_dir


def stored(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (temporaries included) by its path relative to ``root``."""
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


class StoreView:
    """The app's file store seen from outside, the same questions for either backend."""

    def held(self) -> dict[str, bytes]:
        """Every file the store holds now, by key (``{user}/{resume}/{name}``)."""
        raise NotImplementedError

    def has_folder(self, prefix: str) -> bool:
        """Whether anything is left under the key prefix ``prefix`` (a user's or a resume's)."""
        raise NotImplementedError

    def stray(self) -> list[str]:
        """What the store wrote outside its own place (the uploads directory, the bucket)."""
        raise NotImplementedError

    def url(self, key: str) -> str:
        """The ``file_url`` an upload stored under ``key`` answers."""
        raise NotImplementedError

    @staticmethod
    def api_url(key: str) -> str:
        """The API's own download route for ``key`` (for its owner, in both modes)."""
        return f"{API}/files/{quote(key, safe='/')}"

    async def download(
        self, client: TestClient, url: str, headers: dict[str, str]
    ) -> tuple[int, bytes, str | None]:
        """Fetch ``url`` as the owner's browser would: status, body and ``Content-Type``.

        A path of the API is asked with the owner's token; an absolute URL (Supabase's
        public one) with a plain GET and no key at all.
        """
        if url.startswith("/"):
            resp = await client.get(url, headers=headers)
            return resp.status, await resp.read(), resp.headers.get("Content-Type")
        async with aiohttp.ClientSession() as browser, browser.get(url) as resp:
            return resp.status, await resp.read(), resp.headers.get("Content-Type")


class LocalView(StoreView):
    """Files under the uploads directory, served by the API's route."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def held(self) -> dict[str, bytes]:
        return stored(self.root)

    def has_folder(self, prefix: str) -> bool:
        return self.root.joinpath(*prefix.split("/")).exists()

    def stray(self) -> list[str]:
        # Nothing but the uploads directory itself belongs in the data directory's tree here.
        data_dir = self.root.parent
        return sorted(
            path.relative_to(data_dir).as_posix()
            for path in data_dir.rglob("*")
            if path != self.root and self.root not in path.parents
        )

    def url(self, key: str) -> str:
        return self.api_url(key)


class SupabaseView(StoreView):
    """Objects in the fake project's bucket, their names mapped back to keys by the store itself."""

    def __init__(self, fake: FakeSupabase, store: SupabaseFileStore) -> None:
        self.fake, self.store = fake, store
        self.bucket = store.project.bucket

    def held(self) -> dict[str, bytes]:
        held = {}
        for (bucket, name), obj in sorted(self.fake.objects.items()):
            if bucket != self.bucket:
                continue
            key = self.store.key_of(self._public(name))
            assert key is not None, f"object {name!r} is no key's"
            # What Supabase serves it with: the content type of the kind its name says.
            kind = kind_of_name(key)
            assert kind is not None, name
            assert obj.content_type == kind.content_type, name
            held[key] = obj.data
        return held

    def has_folder(self, prefix: str) -> bool:
        folder = self.store.object_name(prefix) + "/"
        return any(bucket == self.bucket and name.startswith(folder) for bucket, name in self.fake.objects)

    def stray(self) -> list[str]:
        return sorted(f"{bucket}/{name}" for bucket, name in self.fake.objects if bucket != self.bucket)

    def url(self, key: str) -> str:
        return self._public(self.store.object_name(key))

    def _public(self, name: str) -> str:
        path = quote(name, safe=_URL_SAFE_IN_OBJECT_NAMES)
        return f"{self.fake.url}/storage/v1/object/public/{self.bucket}/{path}"


@pytest.fixture
async def files(app_settings, supabase: FakeSupabase | None) -> AsyncIterator[StoreView]:
    """The store the app under test keeps its files in, seen through a :class:`StoreView`."""
    if supabase is None:
        yield LocalView(app_settings.uploads_dir)
        return
    # A store of its own on the app's settings: only its naming is used, nothing is sent.
    store = SupabaseFileStore(app_settings.supabase)
    try:
        yield SupabaseView(supabase, store)
    finally:
        await store.aclose()


def resume_row(db, resume_id: str) -> dict[str, Any]:
    [row] = rows(db, tables.resume_versions, id=uuid.UUID(resume_id))
    return row


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- the happy path ----------------------------------------------------------------


async def test_an_upload_stores_the_file_points_the_resume_at_it_and_serves_it_back(client, db, files, alice):
    user, headers = alice
    resume = await create_resume(client, headers, version_name="Backend", notes="n")
    status, body = await upload(client, headers, resume["id"], PDF_BYTES, filename="My CV.pdf")

    key = f"{user['id']}/{resume['id']}/My CV.pdf"
    url = files.url(key)
    assert url.endswith(f"/{user['id']}/{resume['id']}/My%20CV.pdf")
    assert status == 200, body
    assert body == {
        "file_url": url,
        "resume": {
            "id": resume["id"],
            "user_id": user["id"],
            "version_name": "Backend",
            "notes": "n",
            "file_url": url,
            "created_at": resume["created_at"],
            "updated_at": DATETIME,
        },
    }
    assert body["resume"]["updated_at"] != resume["updated_at"]
    assert files.held() == {key: PDF_BYTES}
    assert resume_row(db, resume["id"])["file_url"] == url
    assert await call(client, "GET", f"/resumes/{resume['id']}", headers, expect=200) == body["resume"]
    assert await files.download(client, url, headers) == (200, PDF_BYTES, PDF)

    # The API's own route (the file_url itself in the local mode) serves the owner an attachment.
    download = await client.get(f"{API}/files/{user['id']}/{resume['id']}/My%20CV.pdf", headers=headers)
    assert download.status == 200
    assert await download.read() == PDF_BYTES
    assert download.headers["Content-Type"] == PDF
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"My CV.pdf\"; filename*=UTF-8''My%20CV.pdf"
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers.get("Transfer-Encoding") == "chunked"  # streamed, not one body


@pytest.mark.parametrize(
    ("content_type", "data", "filename", "stored_as"),
    [
        (DOC, DOC_BYTES, "old.doc", "old.doc"),
        (DOCX, DOCX_BYTES, "new.DOCX", "new.DOCX"),
        (f"{PDF}; name=cv", PDF_BYTES, "cv.pdf", "cv.pdf"),
        ("Application/PDF", PDF_BYTES, "notes.txt", "notes.txt.pdf"),
    ],
)
async def test_every_accepted_kind_is_stored_and_served_with_its_own_content_type(
    client, files, alice, content_type, data, filename, stored_as
):
    user, headers = alice
    resume = await create_resume(client, headers)
    status, body = await upload(
        client, headers, resume["id"], data, filename=filename, content_type=content_type
    )
    key = f"{user['id']}/{resume['id']}/{stored_as}"
    assert status == 200, body
    assert body["file_url"] == files.url(key)
    assert files.held() == {key: data}
    for url in {body["file_url"], files.api_url(key)}:  # one and the same in the local mode
        assert await files.download(client, url, headers) == (200, data, content_type.split(";")[0].lower())


async def test_a_name_in_any_script_survives_and_the_download_names_it_exactly(client, files, alice):
    user, headers = alice
    resume = await create_resume(client, headers)
    status, body = await upload(
        client, headers, resume["id"], PDF_BYTES, filename="Lebenslauf Müller 履歴書.pdf"
    )
    key = f"{user['id']}/{resume['id']}/Lebenslauf Müller 履歴書.pdf"
    assert status == 200, body
    assert list(files.held()) == [key]
    assert body["file_url"] == files.url(key)
    assert await files.download(client, body["file_url"], headers) == (200, PDF_BYTES, PDF)
    download = await client.get(files.api_url(key), headers=headers)
    assert download.status == 200
    assert download.headers["Content-Disposition"] == (
        'attachment; filename="Lebenslauf M_ller ___.pdf"; '
        "filename*=UTF-8''Lebenslauf%20M%C3%BCller%20%E5%B1%A5%E6%AD%B4%E6%9B%B8.pdf"
    )


# --- what is refused -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        pytest.param(PDF, DOCX_BYTES, id="declared pdf, bytes a docx"),
        pytest.param(PDF, b"<html><script>alert(1)</script></html>", id="declared pdf, bytes html"),
        pytest.param(DOCX, PDF_BYTES, id="declared docx, bytes a pdf"),
        pytest.param(DOC, DOCX_BYTES, id="declared doc, bytes a docx"),
        pytest.param(PDF, b"%PD", id="shorter than the signature"),
        pytest.param(PDF, b"", id="empty"),
        pytest.param("text/plain", PDF_BYTES, id="a pdf declared as text"),
        pytest.param("application/octet-stream", PDF_BYTES, id="a pdf declared as bytes"),
        pytest.param(None, PDF_BYTES, id="no declared type"),
    ],
)
async def test_a_file_is_accepted_only_when_declared_type_and_leading_bytes_agree(
    client, db, files, alice, content_type, data
):
    _, headers = alice
    resume = await create_resume(client, headers, file_url="https://files.example/cv.pdf")
    assert await upload(client, headers, resume["id"], data, content_type=content_type) == (400, NOT_ALLOWED)
    assert files.held() == {}
    assert resume_row(db, resume["id"])["file_url"] == "https://files.example/cv.pdf"


async def test_one_byte_over_ten_mib_is_refused_and_nothing_is_kept(client, db, files, alice):
    _, headers = alice
    resume = await create_resume(client, headers)
    status, body = await upload(client, headers, resume["id"], b"%PDF-" + b"x" * (10 * MiB - 4))
    assert (status, body) == (400, TOO_LARGE)
    assert files.held() == {}
    assert resume_row(db, resume["id"])["file_url"] is None


async def test_exactly_ten_mib_is_accepted(client, files, alice):
    user, headers = alice
    resume = await create_resume(client, headers)
    data = b"%PDF-" + b"x" * (10 * MiB - 5)
    status, body = await upload(client, headers, resume["id"], data)
    assert status == 200, body
    assert files.held() == {f"{user['id']}/{resume['id']}/cv.pdf": data}
    assert await files.download(client, body["file_url"], headers) == (200, data, PDF)


@pytest.mark.parametrize(
    ("filename", "stored_as"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        # Escaped for the header's quoted string: the server reads ..\..\Windows\win.ini.pdf
        ("..\\\\..\\\\Windows\\\\win.ini.pdf", "win.ini.pdf"),
        ("/etc/passwd", "passwd.pdf"),
        ("..", "resume.pdf"),
        ("", "resume.pdf"),
        (".pdf", "resume.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        ("cv\u202e\u200b\t[31m.pdf", "cv[31m.pdf"),  # aiohttp refuses C0 controls but tab itself
        ('a<b>c:d*e?f"g|h.pdf', "abcdefgh.pdf"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
async def test_a_hostile_file_name_is_made_safe_and_stays_inside_the_resumes_folder(
    client, files, alice, filename, stored_as
):
    user, headers = alice
    resume = await create_resume(client, headers)
    status, body = await upload(client, headers, resume["id"], PDF_BYTES, filename=filename)
    key = f"{user['id']}/{resume['id']}/{stored_as}"
    assert status == 200, body
    assert body["file_url"] == files.url(key)
    assert files.held() == {key: PDF_BYTES}
    assert files.stray() == []
    assert await files.download(client, body["file_url"], headers) == (200, PDF_BYTES, PDF)


async def test_someone_elses_resume_is_403_and_an_unknown_one_404_with_nothing_written(
    client, db, files, alice, bob
):
    _, alice_headers = alice
    _, bob_headers = bob
    resume = await create_resume(client, alice_headers)
    before = resume_row(db, resume["id"])
    assert await upload(client, bob_headers, resume["id"], PDF_BYTES) == (403, {"detail": "Not your resume"})
    assert await upload(client, bob_headers, str(uuid.uuid4()), PDF_BYTES) == (
        404,
        {"detail": "Resume version not found"},
    )
    assert files.held() == {}
    assert resume_row(db, resume["id"]) == before


async def test_ownership_is_checked_before_the_file_is_looked_for(client, alice, bob):
    _, alice_headers = alice
    _, bob_headers = bob
    resume = await create_resume(client, alice_headers)
    resp = await client.post(f"{API}/upload/resumes/{resume['id']}", headers=bob_headers)
    assert (resp.status, await resp.json()) == (403, {"detail": "Not your resume"})


MISSING_FILE = {
    "detail": [{"type": "missing", "loc": ["body", "file"], "msg": "Field required", "input": None}]
}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"other": "field"}, id="a form without a file part"),
        pytest.param(None, id="no body"),
        pytest.param(b'{"file": "x"}', id="json"),
    ],
)
async def test_a_request_without_a_file_part_is_422_in_fastapis_shape(client, db, files, alice, body):
    _, headers = alice
    resume = await create_resume(client, headers)
    data: Any = body
    if isinstance(body, dict):
        data = aiohttp.FormData(quote_fields=False)
        for name, value in body.items():
            data.add_field(name, value, filename="x.pdf", content_type=PDF)
    extra = {"Content-Type": "application/json"} if isinstance(body, bytes) else {}
    resp = await client.post(f"{API}/upload/resumes/{resume['id']}", headers={**headers, **extra}, data=data)
    assert (resp.status, await resp.json()) == (422, MISSING_FILE)
    assert files.held() == {}
    assert resume_row(db, resume["id"])["file_url"] is None


async def test_other_form_fields_before_the_file_are_skipped(client, files, alice):
    user, headers = alice
    resume = await create_resume(client, headers)
    form = aiohttp.FormData()
    form.add_field("note", "x" * 100_000)
    form.add_field("file", PDF_BYTES, filename="cv.pdf", content_type=PDF)
    resp = await client.post(f"{API}/upload/resumes/{resume['id']}", headers=headers, data=form)
    assert resp.status == 200, await resp.text()
    assert files.held() == {f"{user['id']}/{resume['id']}/cv.pdf": PDF_BYTES}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param("multipart/form-data", b"whatever", id="no boundary"),
        pytest.param(
            f"multipart/form-data; boundary={BOUNDARY}",
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a\x00.pdf"\r\n'
            f"Content-Type: {PDF}\r\n\r\n%PDF-\r\n--{BOUNDARY}--\r\n".encode(),
            id="a NUL in a part header",
        ),
        pytest.param(
            f"multipart/form-data; boundary={BOUNDARY}",
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            f"Content-Type: {PDF}\r\n\r\n%PDF-1.7 and no closing boundary".encode(),
            id="no closing boundary",
        ),
    ],
)
async def test_a_broken_multipart_body_is_400(client, db, files, alice, content_type, body):
    _, headers = alice
    resume = await create_resume(client, headers)
    resp = await client.post(
        f"{API}/upload/resumes/{resume['id']}", headers={**headers, "Content-Type": content_type}, data=body
    )
    assert (resp.status, await resp.json()) == (400, {"detail": "There was an error parsing the body"})
    assert files.held() == {}
    assert resume_row(db, resume["id"])["file_url"] is None


# --- replacing, failing halfway, not blocking ------------------------------------------


async def test_a_re_upload_replaces_the_previous_file_under_another_or_the_same_name(
    client, db, files, alice
):
    user, headers = alice
    resume = await create_resume(client, headers)
    folder = f"{user['id']}/{resume['id']}"
    assert (await upload(client, headers, resume["id"], PDF_BYTES, filename="first.pdf"))[0] == 200
    status, body = await upload(
        client, headers, resume["id"], DOCX_BYTES, filename="second.docx", content_type=DOCX
    )
    assert status == 200, body
    assert body["file_url"] == files.url(f"{folder}/second.docx")
    assert files.held() == {f"{folder}/second.docx": DOCX_BYTES}
    assert resume_row(db, resume["id"])["file_url"] == body["file_url"]
    old = await client.get(f"{API}/files/{folder}/first.pdf", headers=headers)
    assert (old.status, await old.json()) == (404, {"detail": "File not found"})

    again = DOCX_BYTES + b"v2"
    status, body = await upload(
        client, headers, resume["id"], again, filename="second.docx", content_type=DOCX
    )
    assert status == 200, body
    assert files.held() == {f"{folder}/second.docx": again}


async def test_a_refused_re_upload_leaves_the_resume_and_its_file_as_they_were(client, db, files, alice):
    _, headers = alice
    resume = await create_resume(client, headers)
    _, first = await upload(client, headers, resume["id"], PDF_BYTES, filename="cv.pdf")
    before, held = resume_row(db, resume["id"]), files.held()
    for data, content_type, answer in (
        (b"%PDF-" + b"y" * (10 * MiB), PDF, TOO_LARGE),
        (DOCX_BYTES, PDF, NOT_ALLOWED),
    ):
        status, body = await upload(
            client, headers, resume["id"], data, filename="cv.pdf", content_type=content_type
        )
        assert (status, body) == (400, answer)
        assert resume_row(db, resume["id"]) == before
        assert files.held() == held
    assert await files.download(client, first["file_url"], headers) == (200, PDF_BYTES, PDF)


class RawUpload:
    """An upload sent by hand over a socket, so a test can stop halfway or pause."""

    BOUNDARY = "rawboundary42"

    def __init__(self, client, headers: dict[str, str], resume_id: str, size: int, filename: str) -> None:
        self.client, self.size = client, size
        self.head = (
            f"--{self.BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: {PDF}\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{self.BOUNDARY}--\r\n".encode()
        length = len(self.head) + size + len(self.tail)
        self.request = (
            f"POST {API}/upload/resumes/{resume_id} HTTP/1.1\r\n"
            f"Host: {client.server.host}\r\n"
            f"Authorization: {headers['Authorization']}\r\n"
            f"Content-Type: multipart/form-data; boundary={self.BOUNDARY}\r\n"
            f"Content-Length: {length}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        self.body = b"%PDF-" + b"z" * (size - 5)

    async def send_first(self, part: int) -> None:
        self.reader, self.writer = await asyncio.open_connection(
            self.client.server.host, self.client.server.port
        )
        self.writer.write(self.request + self.head + self.body[:part])
        await self.writer.drain()
        self.sent = part

    async def send_rest(self) -> bytes:
        self.writer.write(self.body[self.sent :] + self.tail)
        await self.writer.drain()
        answer = await self.reader.read()
        self.writer.close()
        return answer

    def abort(self) -> None:
        self.writer.transport.abort()


async def eventually(predicate, what: str, within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, f"never: {what}"
        await asyncio.sleep(0.02)


def temporaries(root: Path) -> list[str]:
    return [name for name in stored(root) if name.rsplit("/", 1)[-1].startswith(".upload-")]


class ServerWithoutHandlerCancellation(TestServer):
    """A test server that, like ``offertracker serve`` (``web.run_app``'s default), lets a handler
    run on when its client disconnects: reading the body then raises ``ConnectionResetError``.
    (aiohttp's own test server cancels the handler instead.)"""

    async def _make_runner(self, **kwargs: Any) -> web.BaseRunner:
        return await super()._make_runner(**{**kwargs, "handler_cancellation": False})


@pytest.mark.local_only(
    "its sign that the server is halfway through the body is the local store's temporary file; "
    "the Supabase store holds a body in memory, where no test sees it, and sends Supabase nothing "
    "of a stream that fails (tests/supabase/test_files.py)"
)
@pytest.mark.parametrize("cancelled", [True, False], ids=["handler cancelled", "handler runs on"])
async def test_a_client_that_disconnects_halfway_leaves_no_partial_file_and_the_old_one_intact(
    aiohttp_client, make_app, db, uploads, caplog, cancelled
):
    app = make_app()
    client = await aiohttp_client(app if cancelled else ServerWithoutHandlerCancellation(app))
    user, headers = await register(client, "alice")
    resume = await create_resume(client, headers)
    _, first = await upload(client, headers, resume["id"], PDF_BYTES, filename="cv.pdf")
    before = resume_row(db, resume["id"])
    raw = RawUpload(client, headers, resume["id"], 4 * MiB, "cv.pdf")
    await raw.send_first(2 * MiB)
    await eventually(lambda: temporaries(uploads), "the upload started writing")
    raw.abort()
    await eventually(lambda: not temporaries(uploads), "the partial file was removed")
    assert stored(uploads) == {f"{user['id']}/{resume['id']}/cv.pdf": PDF_BYTES}
    assert resume_row(db, resume["id"]) == before
    assert await (await client.get(first["file_url"], headers=headers)).read() == PDF_BYTES
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.local_only(
    "its sign that an upload is arriving is the local store's temporary file; in Supabase mode "
    "test_supabase.py holds an upload at Supabase while other writes go on"
)
async def test_other_writes_go_on_while_an_upload_is_still_arriving(client, db, uploads, alice):
    user, headers = alice
    resume = await create_resume(client, headers)
    raw = RawUpload(client, headers, resume["id"], 3 * MiB, "slow.pdf")
    await raw.send_first(MiB)
    await eventually(lambda: temporaries(uploads), "the upload started writing")
    # The file is written before the upload's database write opens: nothing waits for it.
    other = await asyncio.wait_for(create_resume(client, headers, version_name="meanwhile"), timeout=5)
    assert other["version_name"] == "meanwhile"
    answer = await raw.send_rest()
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    assert list(stored(uploads)) == [f"{user['id']}/{resume['id']}/slow.pdf"]
    assert resume_row(db, resume["id"])["file_url"].endswith("/slow.pdf")


# --- downloads -----------------------------------------------------------------------


async def test_only_the_owner_may_download_a_file(client, files, alice, bob):
    user, alice_headers = alice
    _, bob_headers = bob
    resume = await create_resume(client, alice_headers)
    _, body = await upload(client, alice_headers, resume["id"], PDF_BYTES)
    # The file_url itself in the local mode; beside Supabase's public URL, which is public.
    url = f"{API}/files/{user['id']}/{resume['id']}/cv.pdf"
    assert body["file_url"] == files.url(f"{user['id']}/{resume['id']}/cv.pdf")

    refused = await client.get(url, headers=bob_headers)
    assert (refused.status, await refused.json()) == (403, {"detail": "Not your resume"})
    anonymous = await client.get(url)
    assert (anonymous.status, await anonymous.json()) == (401, {"detail": "Not authenticated"})
    unknown = await client.get(f"{API}/files/{user['id']}/{uuid.uuid4()}/cv.pdf", headers=alice_headers)
    assert (unknown.status, await unknown.json()) == (404, {"detail": "Resume version not found"})
    for wrong in (
        f"{API}/files/{user['id']}/{resume['id']}/other.pdf",
        f"{API}/files/{uuid.uuid4()}/{resume['id']}/cv.pdf",
        f"{API}/files/{user['id']}/{resume['id']}/cv.exe",
    ):
        answer = await client.get(wrong, headers=alice_headers)
        assert (answer.status, await answer.json()) == (404, {"detail": "File not found"}), wrong
    assert await files.download(client, url, alice_headers) == (200, PDF_BYTES, PDF)


async def test_a_file_url_the_client_set_is_never_served_or_removed_on_the_resumes_behalf(
    client, files, alice
):
    user, headers = alice
    first = await create_resume(client, headers, version_name="first")
    second = await create_resume(client, headers, version_name="second")
    _, body = await upload(client, headers, first["id"], PDF_BYTES, filename="first.pdf")
    # The second resume now links to the first one's file, by hand...
    await call(
        client, "PUT", f"/resumes/{second['id']}", headers, json={"file_url": body["file_url"]}, expect=200
    )
    # ...which it cannot serve, and does not remove when it gets a file of its own.
    via_second = f"{API}/files/{user['id']}/{second['id']}/first.pdf"
    not_served = await client.get(via_second, headers=headers)
    assert (not_served.status, await not_served.json()) == (404, {"detail": "File not found"})
    status, _ = await upload(client, headers, second["id"], PDF_BYTES, filename="second.pdf")
    assert status == 200
    assert set(files.held()) == {
        f"{user['id']}/{first['id']}/first.pdf",
        f"{user['id']}/{second['id']}/second.pdf",
    }


# --- deleting ------------------------------------------------------------------------


async def test_deleting_a_resume_removes_its_files_and_only_its_own(client, files, alice):
    user, headers = alice
    kept = await create_resume(client, headers, version_name="kept")
    gone = await create_resume(client, headers, version_name="gone")
    await upload(client, headers, kept["id"], PDF_BYTES, filename="kept.pdf")
    await upload(client, headers, gone["id"], PDF_BYTES, filename="gone.pdf")
    await call(client, "DELETE", f"/resumes/{gone['id']}", headers, expect=200)
    assert list(files.held()) == [f"{user['id']}/{kept['id']}/kept.pdf"]
    assert not files.has_folder(f"{user['id']}/{gone['id']}")
    assert files.has_folder(f"{user['id']}/{kept['id']}")


async def test_deleting_the_account_removes_every_file_of_it_and_no_one_elses(client, files, alice, bob):
    alice_user, alice_headers = alice
    bob_user, bob_headers = bob
    for headers in (alice_headers, bob_headers):
        for name in ("a.pdf", "b.pdf"):
            resume = await create_resume(client, headers)
            assert (await upload(client, headers, resume["id"], PDF_BYTES, filename=name))[0] == 200
    body = await call(client, "DELETE", "/users/me", alice_headers, json={"password": PASSWORD}, expect=200)
    assert body == {"detail": "Account deleted"}
    assert not files.has_folder(alice_user["id"])
    assert {key.split("/")[0] for key in files.held()} == {bob_user["id"]}
    assert len(files.held()) == 2


# --- on disk -------------------------------------------------------------------------


@pytest.mark.local_only("file modes are the local disk's; Supabase keeps objects, not files")
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
async def test_stored_files_are_0600_in_0700_directories_whatever_the_umask(client, uploads, alice):
    user, headers = alice
    resume = await create_resume(client, headers)
    previous = os.umask(0o022)
    try:
        assert (await upload(client, headers, resume["id"], PDF_BYTES))[0] == 200
    finally:
        os.umask(previous)
    user_dir = uploads / user["id"]
    assert [mode(p) for p in (uploads, user_dir, user_dir / resume["id"])] == [0o700, 0o700, 0o700]
    assert mode(user_dir / resume["id"] / "cv.pdf") == 0o600


@pytest.mark.local_only("uploads_dir is the local store's setting; Supabase mode uses the bucket")
async def test_uploads_go_where_the_setting_says(aiohttp_client, make_app, tmp_path):
    elsewhere = tmp_path / "elsewhere" / "files"
    client = await aiohttp_client(make_app(uploads_dir=elsewhere))
    user, headers = await register(client, "carol")
    resume = await create_resume(client, headers)
    assert (await upload(client, headers, resume["id"], PDF_BYTES))[0] == 200
    assert stored(elsewhere) == {f"{user['id']}/{resume['id']}/cv.pdf": PDF_BYTES}
