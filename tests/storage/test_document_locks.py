"""A document's writers lock the document row and nothing else (``ports.DocumentRepository``).

Row locks exist only on PostgreSQL: SQLite serialises whole write units of work.
"""

from __future__ import annotations

import asyncio

import attrs
import pytest

from offertracker_core.entities import Application, Document
from offertracker_storage import SqlStorage

from . import factories as f


@pytest.fixture
async def letter(storage: SqlStorage) -> tuple[Application, Document]:
    if storage.dialect != "postgresql":
        pytest.skip("SQLite serialises whole write units of work; there are no row locks to observe")
    ada = f.user("ada")
    application = f.application(ada.id)
    document = f.document(application.id, notes="old")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(application)
        await uow.documents.add(document)
        await uow.commit()
    return application, document


async def test_a_document_read_for_update_holds_its_row_but_not_its_application(
    storage: SqlStorage, letter: tuple[Application, Document]
) -> None:
    application, document = letter

    async def edit_notes() -> None:  # another request editing the same document
        async with storage.write() as uow:
            found = await uow.documents.get_owned(document.id, for_update=True)
            assert found is not None
            await uow.documents.update(attrs.evolve(found[1], notes="theirs"))
            await uow.commit()

    async def edit_application() -> None:
        async with storage.write() as uow:
            locked = await uow.applications.get_for_update(application.id)
            assert locked is not None
            await uow.applications.update(attrs.evolve(locked, notes="edited"))
            await uow.commit()

    async with storage.write() as uow:
        found = await uow.documents.get_owned(document.id, for_update=True)
        assert found is not None
        other = asyncio.create_task(edit_notes())
        await asyncio.wait_for(edit_application(), timeout=5)  # the application is not held
        await asyncio.sleep(0.3)
        assert not other.done()  # the document is: the other edit waits instead of being lost
        await uow.documents.update(attrs.evolve(found[1], name="mine"))
        await uow.commit()
    await asyncio.wait_for(other, timeout=5)

    async with storage.read() as uow:
        stored = await uow.documents.get(document.id)
    assert stored is not None
    assert (stored.name, stored.notes) == ("mine", "theirs")


async def test_a_document_deleted_while_its_lock_was_awaited_is_not_found(
    storage: SqlStorage, letter: tuple[Application, Document]
) -> None:
    _, document = letter

    async def lock_it() -> object:
        async with storage.write() as uow:
            return await uow.documents.get_owned(document.id, for_update=True)

    async with storage.write() as uow:
        assert await uow.documents.get_owned(document.id, for_update=True) is not None
        waiting = asyncio.create_task(lock_it())
        await asyncio.sleep(0.3)
        assert not waiting.done()
        await uow.documents.delete(document.id)
        await uow.commit()
    assert await asyncio.wait_for(waiting, timeout=5) is None  # the service's "Document not found"
