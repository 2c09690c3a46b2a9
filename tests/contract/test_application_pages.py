"""``page_json`` and ``detail_json`` (the read models of the list and detail endpoints) are the
JSON renderings of ``list_details`` and ``get_detail``.

The fake renders with the edge's converter; the SQL adapter has the database
render. Two renderings of one page or one application: if a field, a format or
an order changes in one and not the other, these cases fail.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest

from offertracker_core.entities import ApplicationDetail, ResumeVersion, User
from offertracker_core.enums import ApplicationStatus, OutcomeStatus, Priority
from offertracker_core.ports import Storage
from offertracker_http.rendering import to_json

from ..storage import factories as f

# Microseconds that must be truncated (not rounded) to milliseconds, like the converter does.
EDGE = datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC)


async def _both_renderings(storage: Storage, user_id: Any, **query: Any) -> tuple[Any, Any]:
    params: dict[str, Any] = {"status": None, "priority": None, "skip": 0, "limit": 100} | query
    async with storage.read() as uow:
        page = await uow.applications.page_json(user_id, **params)
        entities = await uow.applications.list_details(user_id, **params)
    return orjson.loads(page), orjson.loads(to_json(entities))


@pytest.fixture
async def ada(storage: Storage) -> User:
    """Ada with four applications covering every field set, unset and at its edges; Bob with one."""
    ada, bob = f.user("ada"), f.user("bob")
    resume = f.resume(ada.id)
    rich = f.application(ada.id, resume_version_id=resume.id, created_at=EDGE, updated_at=EDGE)
    bare = f.application(
        ada.id,
        company_name='Quote "and" backslash \\ — ünïcode',
        role_title="Intern",
        **dict.fromkeys(
            [
                "url",
                "description",
                "location",
                "job_type",
                "work_mode",
                "salary_min",
                "salary_max",
                "applied_source",
                "applied_date",
                "follow_up_date",
                "priority",
                "notes",
            ],
            None,
        ),
        status=ApplicationStatus.SAVED,
        created_at=f.at(1),
        updated_at=f.at(1),
    )
    rejected = f.application(
        ada.id, status=ApplicationStatus.REJECTED, priority=Priority.LOW, created_at=f.at(2)
    )
    same_moment = f.application(ada.id, created_at=f.at(2))  # ties on created_at are ordered by id
    stages = [
        f.stage(rich.id, stage_date=None, created_at=f.at(3)),
        f.stage(rich.id, stage_date=date(2026, 3, 2), created_at=f.at(4), questions_asked=None),
        f.stage(rich.id, stage_date=date(2026, 3, 2), created_at=f.at(1), questions_asked=()),
        f.stage(rejected.id, stage_type=None, duration_minutes=None, created_at=EDGE + timedelta(days=1)),
    ]
    async with storage.write() as uow:
        for user in (ada, bob):
            await uow.users.add(user)
        await uow.owned(ResumeVersion).add(resume)
        for app in (rich, bare, rejected, same_moment, f.application(bob.id)):
            await uow.applications.add(app)
        for stage in stages:
            await uow.stages.add(stage)
        await uow.outcomes.add(f.outcome(rich.id, updated_at=EDGE))
        await uow.outcomes.add(f.outcome(rejected.id, status=OutcomeStatus.REJECTED, salary=None))
        await uow.reflections.add(f.reflection(rich.id, skill_gaps={"SQL": {"level": 2, "ok": True}}))
        await uow.reflections.add(f.reflection(bare.id, skill_gaps=None, what_worked=None))
        await uow.commit()
    return ada


async def test_the_page_is_the_json_rendering_of_the_details(storage: Storage, ada: User) -> None:
    page, rendered = await _both_renderings(storage, ada.id)

    assert len(rendered) == 4
    assert page == rendered
    rich = page[0]  # the newest
    assert rich["created_at"] == "2026-03-01T23:59:59.999Z"
    assert [s["stage_date"] for s in rich["stages"]] == ["2026-03-02", "2026-03-02", None]
    assert [s["questions_asked"] for s in rich["stages"]] == [[], None, ["Why us?", "Salary expectations?"]]
    assert rich["reflection"]["skill_gaps"] == {"SQL": {"level": 2, "ok": True}}
    assert page[3]["company_name"] == 'Quote "and" backslash \\ — ünïcode'


@pytest.mark.parametrize(
    "query",
    [
        {"status": ApplicationStatus.REJECTED},
        {"priority": Priority.HIGH},
        {"status": ApplicationStatus.APPLIED, "priority": Priority.HIGH},
        {"skip": 1, "limit": 2},
        {"skip": 10},
    ],
)
async def test_filters_and_paging_select_the_same_page(
    storage: Storage, ada: User, query: dict[str, Any]
) -> None:
    page, rendered = await _both_renderings(storage, ada.id, **query)

    assert page == rendered


async def test_a_page_of_nothing_is_an_empty_array(storage: Storage, ada: User) -> None:
    async with storage.read() as uow:
        page = await uow.applications.page_json(
            f.user("nobody").id, status=None, priority=None, skip=0, limit=100
        )

    assert orjson.loads(page) == []


async def _details(storage: Storage, user_id: UUID) -> list[ApplicationDetail]:
    async with storage.read() as uow:
        return await uow.applications.list_details(user_id, status=None, priority=None, skip=0, limit=100)


async def _detail_renderings(storage: Storage, application_id: UUID) -> tuple[UUID, Any, Any]:
    """The owner and parsed body of ``detail_json``, and the converter's rendering of ``get_detail``."""
    async with storage.read() as uow:
        found = await uow.applications.detail_json(application_id)
        detail = await uow.applications.get_detail(application_id)
    assert found is not None
    owner_id, body = found
    return owner_id, orjson.loads(body), orjson.loads(to_json(detail))


async def test_an_application_with_children_is_the_json_rendering_of_its_detail(
    storage: Storage, ada: User
) -> None:
    rich = (await _details(storage, ada.id))[0]  # the newest: stages, outcome and reflection

    owner_id, detail, rendered = await _detail_renderings(storage, rich.application.id)

    assert owner_id == ada.id
    assert detail == rendered
    assert detail["id"] == str(rich.application.id)
    assert detail["created_at"] == "2026-03-01T23:59:59.999Z"
    assert [s["stage_date"] for s in detail["stages"]] == ["2026-03-02", "2026-03-02", None]
    assert [s["questions_asked"] for s in detail["stages"]] == [[], None, ["Why us?", "Salary expectations?"]]
    assert (detail["outcome"]["status"], detail["outcome"]["updated_at"]) == (
        "Offer",
        "2026-03-01T23:59:59.999Z",
    )
    assert detail["reflection"]["skill_gaps"] == {"SQL": {"level": 2, "ok": True}}


async def test_an_application_without_children_is_the_json_rendering_of_its_detail(
    storage: Storage, ada: User
) -> None:
    details = await _details(storage, ada.id)
    childless = next(d for d in details if (d.stages, d.outcome, d.reflection) == ((), None, None))

    owner_id, detail, rendered = await _detail_renderings(storage, childless.application.id)

    assert owner_id == ada.id
    assert detail == rendered
    assert (detail["stages"], detail["outcome"], detail["reflection"]) == ([], None, None)


async def test_an_application_with_its_fields_unset_is_the_json_rendering_of_its_detail(
    storage: Storage, ada: User
) -> None:
    bare = (await _details(storage, ada.id))[3]  # the oldest

    owner_id, detail, rendered = await _detail_renderings(storage, bare.application.id)

    assert owner_id == ada.id
    assert detail == rendered
    assert detail["company_name"] == 'Quote "and" backslash \\ — ünïcode'
    assert [detail[field] for field in ("url", "salary_min", "applied_date", "priority")] == [None] * 4
    assert (detail["reflection"]["skill_gaps"], detail["reflection"]["what_worked"]) == (None, None)


async def test_an_applications_detail_is_its_element_of_the_page(storage: Storage, ada: User) -> None:
    async with storage.read() as uow:
        page = orjson.loads(
            await uow.applications.page_json(ada.id, status=None, priority=None, skip=0, limit=100)
        )
        found = [await uow.applications.detail_json(UUID(element["id"])) for element in page]

    assert len(page) == 4
    assert [None if f is None else (f[0], orjson.loads(f[1])) for f in found] == [
        (ada.id, element) for element in page
    ]


async def test_an_unknown_application_has_no_detail(storage: Storage, ada: User) -> None:
    async with storage.read() as uow:
        assert await uow.applications.detail_json(uuid4()) is None
