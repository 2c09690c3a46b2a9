"""The account import's rules on the fakes: document checks, new ids, twice is once, all or nothing."""

from __future__ import annotations

from uuid import UUID

import pytest

from offertracker_core.account_data import (
    AccountDocument,
    ApplicationItem,
    AssignmentItem,
    ContactItem,
    OutcomeItem,
    StageItem,
    TagItem,
    check_document,
)
from offertracker_core.entities import Application, ApplicationTag, Contact, Outcome, Stage, Tag, User
from offertracker_core.enums import OutcomeStatus
from offertracker_core.errors import InvalidInput
from offertracker_core.inputs import NewTag
from offertracker_core.services import Services

from ..fakes import FakeStorage

APP = UUID(int=0xA)
TAG = UUID(int=0x7)


def document(**sections: object) -> AccountDocument:
    return AccountDocument(format="offertracker-export", version=1, **sections)  # type: ignore[arg-type]


def sample() -> AccountDocument:
    app = ApplicationItem(
        id=APP,
        company_name="Acme",
        role_title="Dev",
        stages=[StageItem(id=UUID(int=0x51), stage_name="Screen")],
        outcome=OutcomeItem(id=UUID(int=0x0F), status=OutcomeStatus.OFFER),
        tags=[AssignmentItem(id=UUID(int=0x77), tag_id=TAG)],
    )
    contact = ContactItem(id=UUID(int=0xC), name="Grace", application_id=APP)
    return document(tags=[TagItem(id=TAG, name="Remote")], applications=[app], contacts=[contact])


def test_a_newer_version_is_refused_naming_the_version() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_document(AccountDocument(format="offertracker-export", version=2))
    assert [v.loc for v in refused.value.violations] == [("version",)]


def test_an_id_used_twice_and_a_missing_reference_are_each_named() -> None:
    twice = [TagItem(id=TAG, name="a"), TagItem(id=TAG, name="b")]
    orphan = ContactItem(id=UUID(int=1), name="x", application_id=UUID(int=99))
    with pytest.raises(InvalidInput) as refused:
        check_document(document(tags=twice, contacts=[orphan]))
    assert [v.loc for v in refused.value.violations] == [("tags", 1, "id"), ("contacts", 0, "application_id")]


async def test_an_import_gives_new_ids_and_keeps_references(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    summary = await services.account.import_document(alice.id, sample())

    [app] = storage.tables.of(Application).values()
    [stage] = storage.tables.of(Stage).values()
    [contact] = storage.tables.of(Contact).values()
    [assignment] = storage.tables.of(ApplicationTag).values()
    [tag] = storage.tables.of(Tag).values()
    assert app.id != APP
    assert (stage.application_id, contact.application_id, assignment.application_id) == (app.id,) * 3
    assert assignment.tag_id == tag.id != TAG
    assert summary.created["applications"] == summary.created["outcomes"] == 1
    assert storage.tables.progress[alice.id].applications == 1
    assert storage.tables.progress[alice.id].offers == 1


async def test_the_second_import_of_a_document_creates_nothing(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    await services.account.import_document(alice.id, sample())
    rows = {entity: len(storage.tables.of(entity)) for entity in (Application, Stage, Outcome, Contact, Tag)}

    again = await services.account.import_document(alice.id, sample())

    assert set(again.created.values()) == {0}
    assert again.skipped["applications"] == again.skipped["stages"] == again.skipped["contacts"] == 1
    assert {entity: len(storage.tables.of(entity)) for entity in rows} == rows
    assert storage.tables.progress[alice.id].applications == 1


async def test_a_tag_of_a_name_the_account_has_is_merged_into_it(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    mine = await services.tags.create(alice.id, NewTag(name="Remote"))

    summary = await services.account.import_document(alice.id, sample())

    [assignment] = storage.tables.of(ApplicationTag).values()
    assert assignment.tag_id == mine.id
    assert (summary.created["tags"], summary.skipped["tags"]) == (0, 1)


async def test_a_failed_commit_leaves_nothing_behind(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    storage.fail_next_commit = True

    with pytest.raises(RuntimeError):
        await services.account.import_document(alice.id, sample())

    assert storage.tables.of(Application) == {}
    assert storage.tables.of(Contact) == {}
