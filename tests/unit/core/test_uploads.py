"""Uploads in the core: the accepted kinds, safe names, and the order of the upload service's work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest

from offertracker_core.entities import User
from offertracker_core.errors import BusinessRuleViolation, FileTooLarge, Forbidden, NotFound, Unavailable
from offertracker_core.inputs import AccountDeletion, NewResume
from offertracker_core.services import Services
from offertracker_core.uploads import (
    DOC,
    DOCX,
    MAX_NAME_LENGTH,
    MAX_UPLOAD_BYTES,
    NOT_ALLOWED,
    PDF,
    IncomingFile,
    checked_chunks,
    declared_kind,
    kind_of_name,
    safe_filename,
)

from ..fakes import (
    FakeClock,
    FakeFileStore,
    FakePasswords,
    FakeStorage,
    FakeTokens,
    RecordingPublisher,
    SequentialIds,
)
from .conftest import register

PDF_BYTES = b"%PDF-1.4 a small document"

# --- the rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declared", "kind"),
    [
        ("application/pdf", PDF),
        ("Application/PDF; name=cv.pdf", PDF),
        ("application/msword", DOC),
        (" application/vnd.openxmlformats-officedocument.wordprocessingml.document ", DOCX),
    ],
)
def test_the_declared_content_type_names_the_kind(declared, kind):
    assert declared_kind(declared) is kind


@pytest.mark.parametrize("declared", [None, "", "text/plain", "application/octet-stream", "application/pdfx"])
def test_any_other_declared_type_is_not_allowed(declared):
    with pytest.raises(BusinessRuleViolation) as caught:
        declared_kind(declared)
    assert caught.value.detail == NOT_ALLOWED


async def stream(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def collect(chunks: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in chunks]


async def test_leading_bytes_are_checked_however_the_stream_is_cut():
    one_byte_each = [bytes([b]) for b in b"%PDF-1.7"]
    assert b"".join(await collect(checked_chunks(stream(*one_byte_each), PDF))) == b"%PDF-1.7"
    assert await collect(checked_chunks(stream(b"PK\x03\x04rest", b"more"), DOCX)) == [
        b"PK\x03\x04rest",
        b"more",
    ]


@pytest.mark.parametrize(
    "chunks",
    [(), (b"",), (b"%PD",), (b"%PD", b"x-"), (b"PK\x03\x04",), (b" %PDF-",)],
)
async def test_a_stream_that_does_not_start_with_the_signature_is_not_allowed(chunks):
    with pytest.raises(BusinessRuleViolation) as caught:
        await collect(checked_chunks(stream(*chunks), PDF))
    assert caught.value.detail == NOT_ALLOWED


@pytest.mark.parametrize(
    ("given", "kind", "expected"),
    [
        ("cv.pdf", PDF, "cv.pdf"),
        ("CV.PDF", PDF, "CV.PDF"),
        ("../../etc/passwd.pdf", PDF, "passwd.pdf"),
        ("C:\\Users\\me\\cv.doc", DOC, "cv.doc"),
        ("/etc/passwd", PDF, "passwd.pdf"),
        ("cv.txt", PDF, "cv.txt.pdf"),
        ("cv.doc", DOCX, "cv.doc.docx"),
        ("my..cv.pdf", PDF, "my.cv.pdf"),
        ("cv.pdf.", PDF, "cv.pdf"),
        ("  cv   final .pdf  ", PDF, "cv final.pdf"),
        ("\x00\x01cv\x1b[2J\x7f.pdf", PDF, "cv[2J.pdf"),
        ("\u202ecv\u200b\ufeff.pdf", PDF, "cv.pdf"),
        ("cv\ud800\u2028\u2029.pdf", PDF, "cv.pdf"),
        ('a<b>c:d*e?f"g|h.pdf', PDF, "abcdefgh.pdf"),
        ("Lebenslauf Müller.docx", DOCX, "Lebenslauf Müller.docx"),
        ("Mu\u0308ller.pdf", PDF, "Müller.pdf"),  # one form (NFC) on every system
        (None, PDF, "resume.pdf"),
        ("", DOC, "resume.doc"),
        ("..", PDF, "resume.pdf"),
        (".pdf", PDF, "resume.pdf"),
        ("...", DOCX, "resume.docx"),
        ("/", PDF, "resume.pdf"),
        ("\x00", PDF, "resume.pdf"),
        (".hidden.pdf", PDF, "hidden.pdf"),
    ],
)
def test_a_file_name_is_made_safe_and_ends_with_its_kinds_extension(given, kind, expected):
    assert safe_filename(given, kind) == expected


@pytest.mark.parametrize("stem", ["x" * 1000, "ü" * 1000, "履" * 1000, "x" * 195 + "." * 30])
def test_a_long_name_is_cut_to_fit_a_url_and_any_file_system(stem):
    name = safe_filename(stem + ".pdf", PDF)
    assert name.endswith(".pdf")
    assert len(quote(name, safe="")) <= MAX_NAME_LENGTH
    assert len(name.encode()) <= 255
    assert not name.removesuffix(".pdf").endswith((".", " "))
    assert name.removesuffix(".pdf")  # something of the stem is left


def test_a_stored_name_says_its_kind():
    assert [kind_of_name(n) for n in ("a.pdf", "A.DOC", "b.docx", "c.txt", "pdf")] == [
        PDF,
        DOC,
        DOCX,
        None,
        None,
    ]


# --- the service -----------------------------------------------------------------------


@pytest.fixture
def files() -> FakeFileStore:
    return FakeFileStore()


@pytest.fixture
def services(
    storage: FakeStorage,
    clock: FakeClock,
    publisher: RecordingPublisher,
    passwords: FakePasswords,
    files: FakeFileStore,
) -> Services:
    return Services.create(
        storage,
        passwords=passwords,
        tokens=FakeTokens(),
        clock=clock,
        ids=SequentialIds(),
        events=publisher,
        files=files,
    )


def sending(data: bytes, filename: str | None = "cv.pdf", content_type: str | None = "application/pdf"):
    """A ``receive`` callback that remembers whether it was called."""

    async def receive() -> IncomingFile:
        receive.called = True  # type: ignore[attr-defined]
        return IncomingFile(filename=filename, content_type=content_type, chunks=stream(data))

    receive.called = False  # type: ignore[attr-defined]
    return receive


async def test_an_upload_keeps_the_file_under_the_users_resumes_folder_and_points_the_resume_at_it(
    services: Services, files: FakeFileStore, clock: FakeClock, alice: User
):
    resume = await services.resumes.create(alice.id, NewResume(version_name="v1"))
    clock.advance(seconds=1)
    upload = await services.uploads.upload_resume(alice.id, resume.id, sending(PDF_BYTES, "../cv.pdf"))
    key = f"{alice.id}/{resume.id}/cv.pdf"
    assert files.files == {key: PDF_BYTES}
    assert upload.file_url == upload.resume.file_url == f"mem://{key}"
    assert upload.resume.updated_at > resume.updated_at
    assert await services.resumes.get(alice.id, resume.id) == upload.resume
    stored = await services.uploads.open_resume_file(alice.id, alice.id, resume.id, "cv.pdf")
    assert (stored.filename, stored.content_type) == ("cv.pdf", "application/pdf")
    assert b"".join(await collect(stored.chunks)) == PDF_BYTES


async def test_the_file_is_not_even_received_for_someone_elses_or_an_unknown_resume(
    services: Services, files: FakeFileStore, alice: User, bob: User
):
    resume = await services.resumes.create(alice.id, NewResume(version_name="v1"))
    receive = sending(PDF_BYTES)
    with pytest.raises(Forbidden, match="Not your resume"):
        await services.uploads.upload_resume(bob.id, resume.id, receive)
    with pytest.raises(NotFound, match="Resume version not found"):
        await services.uploads.upload_resume(bob.id, bob.id, receive)
    assert receive.called is False  # type: ignore[attr-defined]
    assert files.files == {}


async def test_more_than_ten_mib_is_too_large_and_nothing_changes(
    services: Services, files: FakeFileStore, alice: User
):
    resume = await services.resumes.create(alice.id, NewResume(version_name="v1"))
    with pytest.raises(FileTooLarge, match=r"File too large \(max 10 MB\)"):
        await services.uploads.upload_resume(alice.id, resume.id, sending(b"%PDF-" + b"x" * MAX_UPLOAD_BYTES))
    assert files.files == {}
    assert await services.resumes.get(alice.id, resume.id) == resume


async def test_a_resume_deleted_while_its_file_arrives_keeps_no_file(
    services: Services, files: FakeFileStore, alice: User
):
    resume = await services.resumes.create(alice.id, NewResume(version_name="v1"))

    async def chunks_while_deleting() -> AsyncIterator[bytes]:
        yield PDF_BYTES
        await services.resumes.delete(alice.id, resume.id)

    async def receive() -> IncomingFile:
        return IncomingFile("cv.pdf", "application/pdf", chunks_while_deleting())

    with pytest.raises(NotFound, match="Resume version not found"):
        await services.uploads.upload_resume(alice.id, resume.id, receive)
    assert files.files == {}


async def test_the_previous_file_goes_after_the_commit_but_a_link_set_by_hand_stays(
    services: Services, files: FakeFileStore, alice: User
):
    first = await services.resumes.create(alice.id, NewResume(version_name="first"))
    second = await services.resumes.create(alice.id, NewResume(version_name="second"))
    one = await services.uploads.upload_resume(alice.id, first.id, sending(PDF_BYTES, "one.pdf"))
    await services.uploads.upload_resume(alice.id, first.id, sending(PDF_BYTES, "two.pdf"))
    assert list(files.files) == [f"{alice.id}/{first.id}/two.pdf"]
    # The second resume points at the first one's file by hand; its own upload leaves that alone.
    two = await services.resumes.get(alice.id, first.id)
    await services.resumes.update(alice.id, second.id, {"file_url": two.file_url})
    await services.uploads.upload_resume(alice.id, second.id, sending(PDF_BYTES, "mine.pdf"))
    assert set(files.files) == {f"{alice.id}/{first.id}/two.pdf", f"{alice.id}/{second.id}/mine.pdf"}
    assert one.file_url not in {r.file_url for r in await services.resumes.list(alice.id)}


async def test_only_the_file_a_resume_points_at_is_served(
    services: Services, files: FakeFileStore, alice: User
):
    resume = await services.resumes.create(alice.id, NewResume(version_name="v1"))
    await services.uploads.upload_resume(alice.id, resume.id, sending(PDF_BYTES, "cv.pdf"))
    files.files[f"{alice.id}/{resume.id}/left-behind.pdf"] = PDF_BYTES
    for owner, name in ((alice.id, "left-behind.pdf"), (alice.id, "cv.exe"), (resume.id, "cv.pdf")):
        with pytest.raises(NotFound, match="File not found"):
            await services.uploads.open_resume_file(alice.id, owner, resume.id, name)
    await services.resumes.update(alice.id, resume.id, {"file_url": "https://elsewhere.example/cv.pdf"})
    with pytest.raises(NotFound, match="File not found"):
        await services.uploads.open_resume_file(alice.id, alice.id, resume.id, "cv.pdf")


async def test_a_file_that_vanished_from_the_store_is_not_found_before_anything_is_sent(
    services: Services, files: FakeFileStore, alice: User
):
    resume = await services.resumes.create(alice.id, NewResume(version_name="v1"))
    await services.uploads.upload_resume(alice.id, resume.id, sending(PDF_BYTES, "cv.pdf"))
    files.files.clear()
    with pytest.raises(NotFound, match="File not found"):
        await services.uploads.open_resume_file(alice.id, alice.id, resume.id, "cv.pdf")


async def test_deleting_a_resume_or_an_account_removes_their_files(
    services: Services, files: FakeFileStore, alice: User, bob: User
):
    kept = await services.resumes.create(alice.id, NewResume(version_name="kept"))
    gone = await services.resumes.create(alice.id, NewResume(version_name="gone"))
    bobs = await services.resumes.create(bob.id, NewResume(version_name="bob's"))
    for user, resume in ((alice, kept), (alice, gone), (bob, bobs)):
        await services.uploads.upload_resume(user.id, resume.id, sending(PDF_BYTES))
    await services.resumes.delete(alice.id, gone.id)
    assert set(files.files) == {f"{alice.id}/{kept.id}/cv.pdf", f"{bob.id}/{bobs.id}/cv.pdf"}
    await services.auth.delete_account(alice.id, AccountDeletion(password="secret1"))
    assert set(files.files) == {f"{bob.id}/{bobs.id}/cv.pdf"}


async def test_without_a_file_store_an_upload_is_unavailable(storage: FakeStorage, passwords: FakePasswords):
    bare = Services.create(storage, passwords=passwords, tokens=FakeTokens())
    user = await register(bare, "carol")
    resume = await bare.resumes.create(user.id, NewResume(version_name="v1"))
    with pytest.raises(Unavailable, match="File uploads are not configured"):
        await bare.uploads.upload_resume(user.id, resume.id, sending(PDF_BYTES))
    await bare.resumes.delete(user.id, resume.id)  # nothing to remove, nothing fails
