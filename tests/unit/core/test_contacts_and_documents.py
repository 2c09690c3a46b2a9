"""Contacts and documents through the services: ownership, references, the log and the streak."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from uuid import UUID, uuid4

import pytest

from offertracker_core.entities import Application, User
from offertracker_core.enums import ContactType, DocumentType
from offertracker_core.errors import Forbidden, InvalidInput, NotFound
from offertracker_core.inputs import NewApplication, NewContact, NewDocument
from offertracker_core.services import Services

from ..fakes import FakeClock, FakeStorage


async def new_app(services: Services, user: User) -> Application:
    detail = await services.applications.create(
        user.id, NewApplication(company_name="Acme", role_title="Dev")
    )
    return detail.application


async def raises(error: type[Forbidden | NotFound], detail: str, call: Awaitable[object]) -> None:
    with pytest.raises(error) as caught:
        await call
    assert caught.value.detail == detail


# --- contacts ------------------------------------------------------------------------------


async def test_a_contact_is_created_with_the_reference_defaults_and_logged(
    services: Services, storage: FakeStorage, clock: FakeClock, alice: User
) -> None:
    app = await new_app(services, alice)
    clock.advance(seconds=1)
    contact = await services.contacts.create(alice.id, NewContact(name="Grace", application_id=app.id))
    assert (contact.user_id, contact.application_id, contact.contact_type, contact.email) == (
        alice.id,
        app.id,
        ContactType.OTHER,
        None,
    )
    assert contact.created_at == contact.updated_at == clock.now()
    [entry, *_] = storage.activity_of(alice.id)
    assert (entry.application_id, str(entry.action), entry.description, entry.metadata) == (
        app.id,
        "Contact Added",
        "Added contact: Grace",
        {},
    )
    assert await services.contacts.get(alice.id, contact.id) == contact


async def test_a_contact_is_a_tracked_action_that_moves_the_streak(
    services: Services, storage: FakeStorage, clock: FakeClock, alice: User
) -> None:
    await services.contacts.create(alice.id, NewContact(name="Day one"))
    clock.advance(days=1)
    await services.contacts.create(alice.id, NewContact(name="Day two"))
    user = storage.tables.users[alice.id]
    assert (user.streak_days, user.last_active_date) == (2, date(2026, 3, 2))


async def test_someone_elses_contact_is_forbidden_and_an_unknown_one_not_found(
    services: Services, storage: FakeStorage, alice: User, bob: User
) -> None:
    contact = await services.contacts.create(alice.id, NewContact(name="Grace"))
    for call in (
        services.contacts.get(bob.id, contact.id),
        services.contacts.update(bob.id, contact.id, {"notes": "mine now"}),
        services.contacts.delete(bob.id, contact.id),
    ):
        await raises(Forbidden, "Not your contact", call)
    await raises(NotFound, "Contact not found", services.contacts.get(alice.id, UUID(int=999)))
    assert await services.contacts.get(alice.id, contact.id) == contact
    assert await services.contacts.list(bob.id) == []


async def test_a_contact_links_only_to_the_callers_own_applications(
    services: Services, storage: FakeStorage, alice: User, bob: User
) -> None:
    bobs_app = await new_app(services, bob)
    commits = storage.commits
    await raises(
        Forbidden,
        "Not your application",
        services.contacts.create(alice.id, NewContact(name="Grace", application_id=bobs_app.id)),
    )
    contact = await services.contacts.create(alice.id, NewContact(name="Grace"))
    await raises(
        Forbidden,
        "Not your application",
        services.contacts.update(alice.id, contact.id, {"application_id": bobs_app.id}),
    )
    await raises(
        NotFound,
        "Application not found",
        services.contacts.update(alice.id, contact.id, {"application_id": uuid4()}),
    )
    assert storage.commits == commits + 1  # only the plain create
    assert await services.contacts.list(alice.id) == [contact]


async def test_library_callers_meet_the_contact_rules() -> None:
    with pytest.raises(InvalidInput) as caught:
        NewContact(name="Grace", phone="1" * 51)
    [violation] = caught.value.violations
    assert (violation.loc, violation.type) == (("phone",), "string_too_long")


async def test_a_contact_update_refuses_nulling_its_name(services: Services, alice: User) -> None:
    contact = await services.contacts.create(alice.id, NewContact(name="Grace"))
    with pytest.raises(InvalidInput):
        await services.contacts.update(alice.id, contact.id, {"name": None})  # type: ignore[typeddict-item]


# --- documents ---------------------------------------------------------------------------


async def test_a_document_is_attached_logged_and_listed_newest_first(
    services: Services, storage: FakeStorage, clock: FakeClock, alice: User
) -> None:
    app = await new_app(services, alice)
    first = await services.documents.create(alice.id, NewDocument(application_id=app.id, name="cv.pdf"))
    clock.advance(seconds=1)
    second = await services.documents.create(
        alice.id, NewDocument(application_id=app.id, name="Letter", doc_type=DocumentType.COVER_LETTER)
    )
    assert first.doc_type == DocumentType.OTHER
    assert await services.documents.list(alice.id, app.id) == [second, first]
    [entry, *_] = storage.activity_of(alice.id)
    assert (entry.user_id, entry.application_id, entry.description) == (
        alice.id,
        app.id,
        "Added Cover Letter: Letter",
    )


async def test_a_document_of_someone_elses_application_is_forbidden_everywhere(
    services: Services, storage: FakeStorage, alice: User, bob: User
) -> None:
    app = await new_app(services, alice)
    document = await services.documents.create(alice.id, NewDocument(application_id=app.id, name="cv.pdf"))
    commits = storage.commits
    await raises(Forbidden, "Not your application", services.documents.list(bob.id, app.id))
    await raises(
        Forbidden,
        "Not your application",
        services.documents.create(bob.id, NewDocument(application_id=app.id, name="mine")),
    )
    await raises(
        Forbidden, "Not your document", services.documents.update(bob.id, document.id, {"notes": "x"})
    )
    await raises(Forbidden, "Not your document", services.documents.delete(bob.id, document.id))
    await raises(NotFound, "Document not found", services.documents.delete(alice.id, UUID(int=999)))
    await raises(NotFound, "Application not found", services.documents.list(alice.id, UUID(int=999)))
    assert storage.commits == commits
    assert await services.documents.list(alice.id, app.id) == [document]


async def test_a_document_update_is_partial_and_a_delete_removes_it(
    services: Services, clock: FakeClock, alice: User
) -> None:
    app = await new_app(services, alice)
    document = await services.documents.create(
        alice.id, NewDocument(application_id=app.id, name="cv.pdf", file_url="https://x/cv.pdf", notes="n")
    )
    clock.advance(seconds=5)
    updated = await services.documents.update(alice.id, document.id, {"file_url": None})
    assert (updated.name, updated.file_url, updated.notes, updated.updated_at) == (
        "cv.pdf",
        None,
        "n",
        clock.now(),
    )
    await services.documents.delete(alice.id, document.id)
    assert await services.documents.list(alice.id, app.id) == []
