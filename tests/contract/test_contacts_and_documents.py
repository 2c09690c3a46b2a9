"""Contacts (a plain owned resource) and documents (rows of an application, ``uow.documents``):
round trips, orders, filters, the page budget and the cascades of behaviour.md §5, on every backend."""

from __future__ import annotations

from uuid import UUID, uuid4

import attrs
import pytest

from offertracker_core import pages
from offertracker_core.entities import Application, Contact, User
from offertracker_core.enums import ContactType, DocumentType
from offertracker_core.ports import Storage

from ..storage import factories as f
from .test_ordering import HIGH, LOW, MID


async def _ada_with_applications(storage: Storage, n: int = 2) -> tuple[User, list[Application]]:
    ada = f.user("ada")
    apps = [f.application(ada.id, company_name=f"app {i}", created_at=f.at(i)) for i in range(n)]
    async with storage.write() as uow:
        await uow.users.add(ada)
        for app in apps:
            await uow.applications.add(app)
        await uow.commit()
    return ada, apps


# --- contacts ------------------------------------------------------------------------------


async def test_a_contact_round_trips_linked_or_not_and_is_updated_and_deleted(storage: Storage) -> None:
    ada, [app, _] = await _ada_with_applications(storage)
    linked = f.contact(ada.id, app.id)
    bare = f.contact(
        ada.id,
        name="Bare",
        **dict.fromkeys(
            ["email", "phone", "role_title", "company", "linkedin_url", "notes", "last_contacted"], None
        ),
        contact_type=ContactType.OTHER,
    )
    async with storage.write() as uow:
        await uow.owned(Contact).add(linked)
        await uow.owned(Contact).add(bare)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.owned(Contact).get(linked.id) == linked
        assert await uow.owned(Contact).get(bare.id) == bare
        assert await uow.owned(Contact).get(uuid4()) is None

    changed = attrs.evolve(linked, application_id=None, contact_type=ContactType.HR, updated_at=f.at(5))
    async with storage.write() as uow:
        assert await uow.owned(Contact).get_for_update(linked.id) == linked
        await uow.owned(Contact).update(changed)
        await uow.owned(Contact).delete(bare.id)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.owned(Contact).get(linked.id) == changed
        assert await uow.owned(Contact).get(bare.id) is None


async def test_contacts_are_newest_first_and_narrowed_by_application_and_type(storage: Storage) -> None:
    ada, [acme, initech] = await _ada_with_applications(storage)
    bob = f.user("bob")
    recruiter, peer = ContactType.RECRUITER, ContactType.PEER
    contacts = [
        f.contact(ada.id, acme.id, id=HIGH, contact_type=recruiter, created_at=f.at(1)),
        f.contact(ada.id, acme.id, id=LOW, contact_type=peer, created_at=f.at(3)),
        f.contact(ada.id, initech.id, id=MID, contact_type=recruiter, created_at=f.at(3)),
        f.contact(ada.id, None, contact_type=recruiter, created_at=f.at(4)),
        f.contact(bob.id, None, contact_type=recruiter, created_at=f.at(9)),
    ]
    async with storage.write() as uow:
        await uow.users.add(bob)
        for contact in contacts:
            await uow.owned(Contact).add(contact)
        await uow.commit()

    async def ids(skip: int = 0, limit: int = 100, **where: object) -> list[UUID]:
        async with storage.read() as uow:
            return [c.id for c in await uow.owned(Contact).list_for_user(ada.id, skip, limit, where=where)]

    newest, tie_mid, tie_low, oldest = contacts[3].id, MID, LOW, HIGH
    assert await ids() == [newest, tie_mid, tie_low, oldest]
    assert await ids(1, 2) == [tie_mid, tie_low]
    assert await ids(application_id=acme.id) == [tie_low, oldest]
    assert await ids(contact_type=recruiter) == [newest, tie_mid, oldest]
    assert await ids(application_id=acme.id, contact_type=recruiter) == [oldest]
    assert await ids(application_id=None, contact_type=None) == [newest, tie_mid, tie_low, oldest]
    assert await ids(contact_type=ContactType.HR) == []


# --- documents -----------------------------------------------------------------------------


async def test_a_document_round_trips_with_its_owner_and_is_updated_and_deleted(storage: Storage) -> None:
    ada, [app, _] = await _ada_with_applications(storage)
    letter = f.document(app.id)
    bare = f.document(app.id, name="bare", doc_type=DocumentType.OTHER, file_url=None, notes=None)
    async with storage.write() as uow:
        await uow.documents.add(letter)
        await uow.documents.add(bare)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.documents.get(letter.id) == letter
        assert await uow.documents.get_owned(letter.id) == (ada.id, letter)
        assert await uow.documents.get_owned(bare.id) == (ada.id, bare)
        assert await uow.documents.get_owned(uuid4()) is None

    changed = attrs.evolve(letter, doc_type=DocumentType.PORTFOLIO, file_url=None, updated_at=f.at(5))
    async with storage.write() as uow:
        assert await uow.documents.get_owned(letter.id, for_update=True) == (ada.id, letter)
        assert await uow.documents.get_owned(uuid4(), for_update=True) is None
        await uow.documents.update(changed)
        await uow.documents.delete(bare.id)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.documents.get_owned(letter.id) == (ada.id, changed)
        assert await uow.documents.get(bare.id) is None


async def test_an_applications_documents_are_newest_first_ties_by_id_and_paged(storage: Storage) -> None:
    _, [app, other] = await _ada_with_applications(storage)
    documents = [
        f.document(app.id, id=HIGH, name="old", created_at=f.at(0)),
        f.document(app.id, id=LOW, name="tie-low", created_at=f.at(5)),
        f.document(app.id, id=MID, name="tie-mid", created_at=f.at(5)),
        f.document(app.id, name="new", created_at=f.at(9)),
        f.document(other.id, name="other's", created_at=f.at(7)),
    ]
    async with storage.write() as uow:
        for document in documents:
            await uow.documents.add(document)
        await uow.commit()

    async def names(application_id: UUID, skip: int = 0, limit: int = 100) -> list[str]:
        async with storage.read() as uow:
            return [d.name for d in await uow.documents.list_for_application(application_id, skip, limit)]

    assert await names(app.id) == ["new", "tie-mid", "tie-low", "old"]
    assert await names(app.id, 1, 2) == ["tie-mid", "tie-low"]
    assert await names(app.id, 4) == []
    assert await names(other.id) == ["other's"]
    assert await names(uuid4()) == []


async def test_a_page_of_documents_stops_after_the_one_that_crosses_the_budget(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PAGE_BYTES", 10_000)
    _, [app, _] = await _ada_with_applications(storage)
    four_kb = "é" * 2_000  # bytes, not characters, are what counts
    documents = [
        f.document(
            app.id,
            name=f"d{n}",
            doc_type=DocumentType.OTHER,
            file_url=None,
            notes=four_kb,
            created_at=f.at(n),
        )
        for n in range(5)
    ]
    assert pages.content_bytes(documents[0]) == pages.OBJECT_BYTES + len("d0") + len("Other") + 4_000
    async with storage.write() as uow:
        for document in documents:
            await uow.documents.add(document)
        await uow.commit()

    async def names(skip: int, limit: int = 1000) -> list[str]:
        async with storage.read() as uow:
            return [d.name for d in await uow.documents.list_for_application(app.id, skip, limit)]

    # Newest first: d4 (0 bytes ahead), d3 (5,031 ahead), then d2 would have 10,062 ahead.
    assert await names(0) == ["d4", "d3"]
    assert await names(2) == ["d2", "d1"]
    assert await names(4) == ["d0"]
    assert await names(0, limit=1) == ["d4"]


# --- cascades ------------------------------------------------------------------------------------


async def test_deleting_an_application_deletes_its_documents_and_the_contacts_linked_to_it(
    storage: Storage,
) -> None:
    ada, [doomed, kept] = await _ada_with_applications(storage)
    gone_document, kept_document = f.document(doomed.id), f.document(kept.id)
    gone_contact = f.contact(ada.id, doomed.id)
    elsewhere, loose = f.contact(ada.id, kept.id), f.contact(ada.id, None)
    async with storage.write() as uow:
        for document in (gone_document, kept_document):
            await uow.documents.add(document)
        for contact in (gone_contact, elsewhere, loose):
            await uow.owned(Contact).add(contact)
        await uow.commit()

    async with storage.write() as uow:
        await uow.applications.delete(doomed.id)
        await uow.commit()

    async with storage.read() as uow:
        assert await uow.documents.get(gone_document.id) is None
        assert await uow.documents.list_for_application(doomed.id, 0, 10) == []
        assert await uow.documents.list_for_application(kept.id, 0, 10) == [kept_document]
        assert await uow.owned(Contact).get(gone_contact.id) is None
        remaining = await uow.owned(Contact).list_for_user(ada.id, 0, 10)
    assert sorted(c.id for c in remaining) == sorted([elsewhere.id, loose.id])


async def test_deleting_a_user_deletes_their_contacts_and_their_applications_documents(
    storage: Storage,
) -> None:
    ada, [app, _] = await _ada_with_applications(storage)
    bob = f.user("bob")
    bobs_app = f.application(bob.id)
    adas = [f.document(app.id)], [f.contact(ada.id, app.id), f.contact(ada.id, None)]
    bobs = [f.document(bobs_app.id)], [f.contact(bob.id, bobs_app.id)]
    async with storage.write() as uow:
        await uow.users.add(bob)
        await uow.applications.add(bobs_app)
        for documents, contacts in (adas, bobs):
            for document in documents:
                await uow.documents.add(document)
            for contact in contacts:
                await uow.owned(Contact).add(contact)
        await uow.commit()

    async with storage.write() as uow:
        await uow.users.delete(ada.id)
        await uow.commit()

    async with storage.read() as uow:
        assert await uow.documents.get(adas[0][0].id) is None
        assert await uow.owned(Contact).list_for_user(ada.id, 0, 10) == []
        for contact in adas[1]:
            assert await uow.owned(Contact).get(contact.id) is None
        assert await uow.documents.get_owned(bobs[0][0].id) == (bob.id, bobs[0][0])
        assert await uow.owned(Contact).list_for_user(bob.id, 0, 10) == bobs[1]
