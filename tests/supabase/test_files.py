"""``SupabaseFileStore``: the ``FileStore`` port on a Supabase Storage bucket, through storage3,
against the in-repo fake Supabase (``tests/supabase/fake.py``)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from storage3 import AsyncStorageClient

from offertracker_core.errors import FileTooLarge, NotFound, Unavailable
from offertracker_core.inputs import AccountDeletion, NewResume, Registration
from offertracker_core.services import Services
from offertracker_core.uploads import DOCX, PDF, IncomingFile
from offertracker_storage import SqlStorage
from offertracker_storage.supabase import SupabaseProject
from offertracker_storage.supabase.files import SupabaseFileStore
from tests.supabase.fake import FakeSupabase, running_fake
from tests.unit.fakes import FakePasswords, FakeTokens

U1 = "0b1f4a52-7d7e-4b8e-9a51-5b0d6f1c2a01"
U2 = "7c3e9d10-2f4b-4c55-8e1a-9d2b3c4d5e02"
R1 = "a1a1a1a1-0000-4000-8000-000000000001"
R2 = "a2a2a2a2-0000-4000-8000-000000000002"
KEY = f"{U1}/{R1}/cv.pdf"
PUBLIC = "resumes"
PRIVATE = "private-resumes"
UNAVAILABLE_UNREACHABLE = "Supabase Storage is unavailable (unreachable); please try again"


def answered(status: int) -> str:
    return f"Supabase Storage is unavailable (it answered {status}); please try again"


def project_of(fake: FakeSupabase, **changes: object) -> SupabaseProject:
    settings: dict[str, object] = {"bucket": PUBLIC, "timeout": 5.0, **changes}
    return SupabaseProject(
        url=fake.url,
        anon_key=FakeSupabase.ANON_KEY,
        service_role_key=FakeSupabase.SERVICE_ROLE_KEY,
        **settings,  # type: ignore[arg-type]
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeSupabase]:
    async with running_fake(buckets={PUBLIC: True, PRIVATE: False}) as running:
        yield running


@pytest.fixture
async def store(fake: FakeSupabase) -> AsyncIterator[SupabaseFileStore]:
    # Tiny pages, batches and chunks, so that even these few files take several trips.
    opened = SupabaseFileStore(project_of(fake), list_page=2, remove_batch=2, read_chunk=3)
    try:
        yield opened
    finally:
        await opened.aclose()


@pytest.fixture
async def private_store(fake: FakeSupabase) -> AsyncIterator[SupabaseFileStore]:
    opened = SupabaseFileStore(project_of(fake, bucket=PRIVATE, public_bucket=False, signed_url_ttl=600))
    try:
        yield opened
    finally:
        await opened.aclose()


async def stream(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def read(store: SupabaseFileStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.open(key)])


def stored(fake: FakeSupabase, bucket: str = PUBLIC) -> dict[str, tuple[bytes, str]]:
    return {
        path: (obj.data, obj.content_type)
        for (where, path), obj in sorted(fake.objects.items())
        if where == bucket
    }


def uploads(fake: FakeSupabase) -> int:
    return sum(
        1 for method, path in fake.requests if method in {"POST", "PUT"} and "/object/list/" not in path
    )


def every_call(store: SupabaseFileStore) -> list[Callable[[], Awaitable[object]]]:
    """One of each of the port's calls that reach Supabase."""
    return [
        lambda: store.save(KEY, stream(b"%PDF-"), content_type=PDF.content_type, max_bytes=10),
        lambda: read(store, KEY),
        lambda: store.delete(KEY),
        lambda: store.delete_tree(U1),
    ]


async def plain_get(url: str) -> httpx.Response:
    """A GET as a browser would make it: no key, no token but what the URL carries."""
    async with httpx.AsyncClient() as client:
        return await client.get(url)


# --- saving -----------------------------------------------------------------------------


async def test_a_saved_file_is_the_object_under_its_key_with_its_content_type_and_reads_back(
    fake: FakeSupabase, store: SupabaseFileStore
):
    url = await store.save(
        KEY, stream(b"%PDF-", b"1.7 hello", b"", b" world"), content_type=PDF.content_type, max_bytes=100
    )
    assert url == f"{fake.url}/storage/v1/object/public/{PUBLIC}/{KEY}"
    assert stored(fake) == {KEY: (b"%PDF-1.7 hello world", "application/pdf")}
    assert store.key_of(url) == KEY
    chunks = [chunk async for chunk in store.open(KEY)]
    assert chunks[:2] == [b"%PD", b"F-1"]
    assert b"".join(chunks) == b"%PDF-1.7 hello world"


async def test_the_content_type_is_stored_exactly_as_given_never_storage3s_text_plain(
    fake: FakeSupabase, store: SupabaseFileStore
):
    key = f"{U1}/{R1}/cv.docx"
    await store.save(key, stream(b"PK\x03\x04rest"), content_type=DOCX.content_type, max_bytes=100)
    assert stored(fake) == {
        key: (b"PK\x03\x04rest", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    }


async def test_a_reupload_under_the_same_key_overwrites_the_object(
    fake: FakeSupabase, store: SupabaseFileStore
):
    first = await store.save(KEY, stream(b"%PDF-old"), content_type=PDF.content_type, max_bytes=100)
    second = await store.save(
        KEY, stream(b"%PDF-new", b" and longer"), content_type=PDF.content_type, max_bytes=100
    )
    assert first == second
    assert stored(fake) == {KEY: (b"%PDF-new and longer", "application/pdf")}
    assert await read(store, KEY) == b"%PDF-new and longer"


async def test_more_than_max_bytes_sends_nothing_and_leaves_the_old_file(
    fake: FakeSupabase, store: SupabaseFileStore
):
    await store.save(KEY, stream(b"old"), content_type=PDF.content_type, max_bytes=10)
    await store.save(
        KEY, stream(b"0123456789"), content_type=PDF.content_type, max_bytes=10
    )  # exactly the limit
    sent = uploads(fake)
    assert sent == 2
    with pytest.raises(FileTooLarge, match=r"^File too large \(max 10 MB\)$"):
        await store.save(KEY, stream(b"01234", b"56789", b"!"), content_type=PDF.content_type, max_bytes=10)
    with pytest.raises(FileTooLarge):
        await store.save(
            f"{U1}/{R1}/other.pdf", stream(b"x" * 11), content_type=PDF.content_type, max_bytes=10
        )
    assert uploads(fake) == sent
    assert stored(fake) == {KEY: (b"0123456789", "application/pdf")}


async def test_a_stream_that_fails_sends_nothing_and_leaves_the_old_file(
    fake: FakeSupabase, store: SupabaseFileStore
):
    await store.save(KEY, stream(b"old"), content_type=PDF.content_type, max_bytes=100)

    async def broken() -> AsyncIterator[bytes]:
        yield b"new new new"
        raise ConnectionResetError("Connection lost")

    with pytest.raises(ConnectionResetError):
        await store.save(KEY, broken(), content_type=PDF.content_type, max_bytes=100)
    assert uploads(fake) == 1
    assert stored(fake) == {KEY: (b"old", "application/pdf")}


async def test_a_bucket_size_limit_below_max_bytes_is_file_too_large(
    fake: FakeSupabase, store: SupabaseFileStore
):
    fake.failure = 413  # what Storage answers when the bucket's own file_size_limit is passed
    with pytest.raises(FileTooLarge, match=r"^File too large \(max 10 MB\)$"):
        await store.save(KEY, stream(b"%PDF-"), content_type=PDF.content_type, max_bytes=100)


# --- URLs -------------------------------------------------------------------------------


async def test_the_public_url_is_fetchable_without_any_key(fake: FakeSupabase, store: SupabaseFileStore):
    url = await store.save(KEY, stream(b"%PDF-public"), content_type=PDF.content_type, max_bytes=100)
    response = await plain_get(url)
    assert (response.status_code, response.content) == (200, b"%PDF-public")
    assert response.headers["content-type"].split(";")[0] == "application/pdf"


async def test_a_private_bucket_answers_a_signed_url_that_works_for_its_ttl(
    fake: FakeSupabase, private_store: SupabaseFileStore
):
    url = await private_store.save(KEY, stream(b"%PDF-private"), content_type=PDF.content_type, max_bytes=100)
    parts = urlsplit(url)
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{fake.url}/storage/v1/object/sign/{PRIVATE}/{KEY}"
    )
    token = parse_qs(parts.query)["token"][0]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 600
    assert private_store.key_of(url) == KEY
    assert stored(fake, PRIVATE) == {KEY: (b"%PDF-private", "application/pdf")}

    response = await plain_get(url)
    assert (response.status_code, response.content) == (200, b"%PDF-private")
    public = await plain_get(f"{fake.url}/storage/v1/object/public/{PRIVATE}/{KEY}")
    assert (public.status_code, public.json()["error"]) == (400, "Bucket not found")  # no public URL
    assert await read(private_store, KEY) == b"%PDF-private"


async def test_names_outside_storages_key_set_are_escaped_and_still_round_trip(
    fake: FakeSupabase, store: SupabaseFileStore
):
    key = f"{U1}/{R1}/Lebenslauf Müller 100% (final) & more=1.pdf"
    url = await store.save(key, stream(b"%PDF-umlaut"), content_type=PDF.content_type, max_bytes=100)
    name = f"{U1}/{R1}/Lebenslauf M=C3=BCller 100=25 (final) & more=3D1.pdf"
    assert stored(fake) == {name: (b"%PDF-umlaut", "application/pdf")}
    assert url == (
        f"{fake.url}/storage/v1/object/public/{PUBLIC}/{U1}/{R1}/Lebenslauf%20M=C3=BCller%20100=25%20(final)%20&%20more=3D1.pdf"
    )
    assert store.key_of(url) == key
    assert await read(store, key) == b"%PDF-umlaut"
    assert (await plain_get(url)).content == b"%PDF-umlaut"


async def test_plain_names_are_stored_exactly_as_the_core_names_them(
    fake: FakeSupabase, store: SupabaseFileStore
):
    key = f"{U1}/{R1}/John Smith CV (2024) - final, v2.pdf"
    url = await store.save(key, stream(b"%PDF-"), content_type=PDF.content_type, max_bytes=100)
    assert list(stored(fake)) == [key]
    assert url.endswith("/John%20Smith%20CV%20(2024)%20-%20final,%20v2.pdf")
    assert store.key_of(url) == key


ELSEWHERE = "https://abcd.supabase.co"


@pytest.fixture
async def offline() -> AsyncIterator[SupabaseFileStore]:
    """A store of a project that is never called: key_of needs no network."""
    project = SupabaseProject(url=ELSEWHERE, anon_key="anon", service_role_key="service")
    opened = SupabaseFileStore(project)
    try:
        yield opened
    finally:
        await opened.aclose()


async def test_key_of_knows_both_url_forms_of_this_bucket_whatever_the_project_is_set_to(
    offline: SupabaseFileStore,
):
    base = f"{ELSEWHERE}/storage/v1/object"
    assert offline.key_of(f"{base}/public/resumes/u1/r1/cv.pdf") == "u1/r1/cv.pdf"
    assert offline.key_of(f"{base}/sign/resumes/u1/r1/cv.pdf?token=ey.J.x") == "u1/r1/cv.pdf"
    assert offline.key_of(f"{base}/public/resumes/u1/r1/a%20b=C3=BC.pdf") == "u1/r1/a bü.pdf"
    assert offline.public_url("u1/r1/a bü.pdf") == f"{base}/public/resumes/u1/r1/a%20b=C3=BC.pdf"


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example/storage/v1/object/public/resumes/u1/r1/cv.pdf",
        "http://abcd.supabase.co/storage/v1/object/public/resumes/u1/r1/cv.pdf",
        f"{ELSEWHERE}/storage/v1/object/public/other/u1/r1/cv.pdf",
        f"{ELSEWHERE}/storage/v1/object/authenticated/resumes/u1/r1/cv.pdf",
        f"{ELSEWHERE}/storage/v1/object/resumes/u1/r1/cv.pdf",
        f"{ELSEWHERE}/api/v1/files/u1/r1/cv.pdf",
        f"{ELSEWHERE}/storage/v1/object/public/resumes/",
        f"{ELSEWHERE}/storage/v1/object/public/resumes",
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/../cv.pdf",
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/%2E%2E/cv.pdf",
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/r1/a%2Fb.pdf",
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1//cv.pdf",
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/r1/.emptyFolderPlaceholder",
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/r1/c%00v.pdf",
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/r1/%FF.pdf",
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/r1/c%76.pdf",  # not how this store spells it
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/r1/M%C3%BCller.pdf",  # stored names are escaped
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/r1/M=c3=bcller.pdf",  # escapes are upper case
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/r1/a=ZZ.pdf",
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/r1/a=FF.pdf",  # not UTF-8
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/r1/a=62.pdf",  # "b" needs no escape
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/r1/a=3.pdf",
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/r1/cv.pdf?download=1",
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/r1/cv.pdf?token=abc",
        f"{ELSEWHERE}/storage/v1/object/public/resumes/u1/r1/cv.pdf#top",
        f"{ELSEWHERE}/storage/v1/object/sign/resumes/u1/r1/cv.pdf",
        f"{ELSEWHERE}/storage/v1/object/sign/resumes/u1/r1/cv.pdf?token=",
        f"{ELSEWHERE}/storage/v1/object/sign/resumes/u1/r1/cv.pdf?token=a&download=1",
        f"{ELSEWHERE}/storage/v1/object/sign/resumes/u1/../r1/cv.pdf?token=a",
        "/storage/v1/object/public/resumes/u1/r1/cv.pdf",
        "not a url at all",
        "",
    ],
)
def test_no_other_url_names_a_key(offline: SupabaseFileStore, url: str):
    assert offline.key_of(url) is None


@pytest.mark.parametrize(
    "key",
    ["", "/etc/passwd", "u1/../../etc", "u1/./x", "u1\\x", "u1/.hidden", "C:/x", "u1//x", "u1/\ud800.pdf"],
)
async def test_a_malformed_key_is_refused_everywhere_without_calling_supabase(
    fake: FakeSupabase, store: SupabaseFileStore, key: str
):
    with pytest.raises(ValueError, match="not a file store key"):
        await store.save(key, stream(b"x"), content_type=PDF.content_type, max_bytes=10)
    with pytest.raises(NotFound, match=r"^File not found$"):
        await read(store, key)
    await store.delete(key)
    await store.delete_tree(key)
    assert fake.requests == []


# --- reading and removing ---------------------------------------------------------------


async def test_a_missing_file_is_not_found(fake: FakeSupabase, store: SupabaseFileStore):
    with pytest.raises(NotFound, match=r"^File not found$"):
        await read(store, KEY)
    await store.save(KEY, stream(b"x"), content_type=PDF.content_type, max_bytes=10)
    with pytest.raises(NotFound, match=r"^File not found$"):
        await read(store, f"{U1}/{R1}")  # a folder is no file


async def test_delete_removes_one_object_and_ignores_an_absent_one(
    fake: FakeSupabase, store: SupabaseFileStore
):
    for key in (f"{U1}/{R1}/a.pdf", f"{U1}/{R1}/b.pdf"):
        await store.save(key, stream(b"x"), content_type=PDF.content_type, max_bytes=10)
    await store.delete(f"{U1}/{R1}/a.pdf")
    await store.delete(f"{U1}/{R1}/a.pdf")
    assert list(stored(fake)) == [f"{U1}/{R1}/b.pdf"]
    with pytest.raises(NotFound):
        await read(store, f"{U1}/{R1}/a.pdf")


async def test_delete_tree_removes_a_resume_then_a_user_and_leaves_everyone_else(
    fake: FakeSupabase, store: SupabaseFileStore
):
    u10 = U1[:-1] + "0"  # shares all but the last character with U1: whole segments only
    mine = [
        f"{U1}/{R1}/a.pdf",
        f"{U1}/{R1}/b.docx",
        f"{U1}/{R1}/ü.pdf",
        f"{U1}/{R2}/c.pdf",
        f"{U1}/{R2}/d.pdf",
    ]
    others = [f"{U2}/{R1}/e.pdf", f"{U1}x/{R1}/f.pdf", f"{u10}/{R1}/g.pdf"]
    for key in mine + others:
        await store.save(key, stream(b"x"), content_type=PDF.content_type, max_bytes=10)

    await store.delete_tree(f"{U1}/{R2}")
    assert sorted(stored(fake)) == sorted([store.object_name(key) for key in mine[:3] + others])
    await store.delete_tree(U1)
    assert sorted(stored(fake)) == sorted(others)
    deletes_before = fake.count("DELETE", f"/storage/v1/object/{PUBLIC}")
    await store.delete_tree(U1)  # nothing left: nothing to remove
    await store.delete_tree(f"{U1}/{R1}")
    assert fake.count("DELETE", f"/storage/v1/object/{PUBLIC}") == deletes_before
    assert sorted(stored(fake)) == sorted(others)


async def test_delete_tree_lists_page_by_page_and_removes_in_batches(
    fake: FakeSupabase, store: SupabaseFileStore
):
    keys = [f"{U1}/{R1}/{n}.pdf" for n in range(5)]
    for key in keys:
        await store.save(key, stream(b"x"), content_type=PDF.content_type, max_bytes=10)
    await store.delete_tree(U1)
    assert stored(fake) == {}
    assert fake.count("DELETE", f"/storage/v1/object/{PUBLIC}") == 3  # batches of 2: 2 + 2 + 1


# --- Supabase failing: 503, in bounded time ---------------------------------------------


async def test_supabase_down_is_unavailable_for_every_call(fake: FakeSupabase, store: SupabaseFileStore):
    await fake.close()
    for call in every_call(store):
        with pytest.raises(Unavailable) as caught:
            await call()
        assert (caught.value.detail, caught.value.retry_after) == (UNAVAILABLE_UNREACHABLE, 5)


async def test_a_slow_supabase_is_unavailable_within_the_projects_timeout(fake: FakeSupabase):
    fake.delay = 31
    slow = SupabaseFileStore(project_of(fake, timeout=0.5))
    try:
        for call in every_call(slow):
            started = time.monotonic()
            with pytest.raises(Unavailable) as caught:
                await call()
            elapsed = time.monotonic() - started
            assert (
                caught.value.detail
                == "Supabase Storage is unavailable (no answer within 0.5 seconds); please try again"
            )
            assert 0.45 <= elapsed < 1.0
    finally:
        await slow.aclose()


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_an_error_answer_is_unavailable_naming_the_status(
    fake: FakeSupabase, store: SupabaseFileStore, status: int
):
    fake.failure = status
    for call in every_call(store):
        with pytest.raises(Unavailable) as caught:
            await call()
        assert (
            caught.value.detail == f"Supabase Storage is unavailable (it answered {status}); please try again"
        )
        assert caught.value.retry_after == 5


async def test_a_bucket_that_does_not_exist_is_unavailable_not_a_missing_file(fake: FakeSupabase):
    lost = SupabaseFileStore(project_of(fake, bucket="no-such-bucket"))
    try:
        for call in every_call(lost):
            with pytest.raises(Unavailable) as caught:
                await call()
            assert caught.value.detail == answered(404)
    finally:
        await lost.aclose()


async def test_a_wrong_service_key_is_unavailable(fake: FakeSupabase):
    project = SupabaseProject(url=fake.url, anon_key=FakeSupabase.ANON_KEY, service_role_key="not-the-key")
    refused = SupabaseFileStore(project)
    try:
        for call in every_call(refused):
            with pytest.raises(Unavailable) as caught:
                await call()
            assert caught.value.detail == answered(401)
        assert stored(fake) == {}
    finally:
        await refused.aclose()


# --- the HTTP client ----------------------------------------------------------------------


async def test_the_store_closes_the_client_it_made_and_leaves_a_given_one_open(fake: FakeSupabase):
    own = SupabaseFileStore(project_of(fake))
    await own.aclose()
    assert own.client.session.is_closed

    key = FakeSupabase.SERVICE_ROLE_KEY
    async with httpx.AsyncClient() as session:
        given = AsyncStorageClient(
            f"{fake.url}/storage/v1/", {"apikey": key, "Authorization": f"Bearer {key}"}, http_client=session
        )
        store = SupabaseFileStore(project_of(fake), client=given)
        await store.save(KEY, stream(b"%PDF-"), content_type=PDF.content_type, max_bytes=10)
        await store.aclose()
        assert not session.is_closed
        assert await read(store, KEY) == b"%PDF-"


# --- behind the core's upload service ------------------------------------------------------


def sending(
    data: bytes, filename: str, kind: str = PDF.content_type
) -> Callable[[], Awaitable[IncomingFile]]:
    """What the HTTP edge hands the upload service: the file as its sender declared it."""

    async def receive() -> IncomingFile:
        return IncomingFile(filename=filename, content_type=kind, chunks=stream(data))

    return receive


async def test_the_upload_service_keeps_serves_replaces_and_removes_resume_files_in_a_private_bucket(
    fake: FakeSupabase, private_store: SupabaseFileStore, database_url: str
):
    storage = await SqlStorage.open(database_url)
    try:
        services = Services.create(
            storage, passwords=FakePasswords(), tokens=FakeTokens(), files=private_store
        )
        users = [
            (await services.auth.register(Registration(f"{name}@example.com", name, "secret1"))).user
            for name in ("alice", "bob")
        ]
        alice, bob = users

        resume = await services.resumes.create(alice.id, NewResume(version_name="v1"))
        upload = await services.uploads.upload_resume(
            alice.id, resume.id, sending(b"%PDF-1.7 mine", "../Lebenslauf Müller.pdf")
        )
        folder = f"{alice.id}/{resume.id}"
        assert stored(fake, PRIVATE) == {
            f"{folder}/Lebenslauf M=C3=BCller.pdf": (b"%PDF-1.7 mine", "application/pdf")
        }
        assert upload.file_url.startswith(
            f"{fake.url}/storage/v1/object/sign/{PRIVATE}/{folder}/Lebenslauf%20M=C3=BCller.pdf?token="
        )
        served = await services.uploads.open_resume_file(
            alice.id, alice.id, resume.id, "Lebenslauf Müller.pdf"
        )
        assert (served.content_type, b"".join([c async for c in served.chunks])) == (
            "application/pdf",
            b"%PDF-1.7 mine",
        )

        # A new file under another name: the old object goes once the resume points at the new one.
        await services.uploads.upload_resume(
            alice.id, resume.id, sending(b"PK\x03\x04doc", "cv.docx", DOCX.content_type)
        )
        assert stored(fake, PRIVATE) == {f"{folder}/cv.docx": (b"PK\x03\x04doc", DOCX.content_type)}

        bobs = await services.resumes.create(bob.id, NewResume(version_name="bob's"))
        await services.uploads.upload_resume(
            bob.id, bobs.id, sending(b"%PDF-bob", "cv.pdf", "application/pdf")
        )
        await services.auth.delete_account(alice.id, AccountDeletion(password="secret1"))
        assert stored(fake, PRIVATE) == {f"{bob.id}/{bobs.id}/cv.pdf": (b"%PDF-bob", "application/pdf")}
    finally:
        await storage.close()
