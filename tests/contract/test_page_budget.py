"""A page ends after the row that takes its content past the byte budget, on every backend.

The budget is lowered to 10,000 bytes here so a few rows cross it; the real one
(8 MiB) is exercised through the API in ``tests/http/test_page_budget.py``.
"""

from __future__ import annotations

import json
from uuid import UUID

import pytest

from offertracker_core import pages
from offertracker_core.entities import ResumeVersion
from offertracker_core.ports import Storage

from ..storage import factories as f

BUDGET = 10_000
# 2,000 characters of two bytes each: an adapter counting characters rather than bytes
# would keep more rows than these cases expect.
FOUR_KB_OF_TEXT = "é" * 2_000


@pytest.fixture(autouse=True)
def small_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "PAGE_BYTES", BUDGET)


async def _resume_names(storage: Storage, user_id: UUID, skip: int, limit: int = 1000) -> list[str]:
    async with storage.read() as uow:
        listed = await uow.owned(ResumeVersion).list_for_user(user_id, skip, limit)
    return [resume.version_name for resume in listed]


async def test_a_page_of_owned_rows_stops_after_the_row_that_crosses_the_budget(storage: Storage) -> None:
    ada = f.user("ada")
    resumes = [
        f.resume(ada.id, version_name=f"v{n}", notes=FOUR_KB_OF_TEXT, file_url=None, created_at=f.at(n))
        for n in range(5)
    ]
    sizes = [pages.content_bytes(resume) for resume in resumes]
    assert sizes[0] == pages.OBJECT_BYTES + 2 + 4_000
    async with storage.write() as uow:
        await uow.users.add(ada)
        for resume in resumes:
            await uow.owned(ResumeVersion).add(resume)
        await uow.commit()

    # Newest first: v4 (0 bytes ahead of it), v3 (5,026 ahead), then v2 would have 10,052 ahead.
    assert await _resume_names(storage, ada.id, 0) == ["v4", "v3"]
    # Paging on by the rows received reaches every row, in order.
    assert await _resume_names(storage, ada.id, 2) == ["v2", "v1"]
    assert await _resume_names(storage, ada.id, 4) == ["v0"]
    # The limit still caps a page that the budget would allow.
    assert await _resume_names(storage, ada.id, 0, limit=1) == ["v4"]


async def test_an_application_counts_with_its_stages_outcome_and_reflection(storage: Storage) -> None:
    ada = f.user("ada")
    # Newest first: "big" is small itself but its three stages carry 12 KB; "reflective" has a
    # reflection of 7 KB; each plain one is about 1.1 KB (its own object and short texts).
    big = f.application(ada.id, company_name="big", description=None, notes=None, created_at=f.at(9))
    reflective = f.application(ada.id, company_name="reflective", notes=None, created_at=f.at(8))
    plain = [
        f.application(ada.id, company_name=f"plain{n}", notes=None, created_at=f.at(n)) for n in range(2)
    ]
    stages = [f.stage(big.id, stage_name=f"round {n}", notes=FOUR_KB_OF_TEXT) for n in range(3)]
    reflection = f.reflection(reflective.id, what_worked=FOUR_KB_OF_TEXT, what_failed="é" * 1_500)
    async with storage.write() as uow:
        await uow.users.add(ada)
        for app in (big, reflective, *plain):
            await uow.applications.add(app)
        for stage in stages:
            await uow.stages.add(stage)
        await uow.reflections.add(reflection)
        await uow.commit()

    async def companies(skip: int) -> tuple[list[str], list[str]]:
        async with storage.read() as uow:
            details = await uow.applications.list_details(
                ada.id, status=None, priority=None, skip=skip, limit=1000
            )
            rendered = await uow.applications.page_json(
                ada.id, status=None, priority=None, skip=skip, limit=1000
            )
        return (
            [detail.application.company_name for detail in details],
            [item["company_name"] for item in json.loads(rendered)],
        )

    # "big" alone is past the budget: it comes back on its own rather than never.
    assert await companies(0) == (["big"], ["big"])
    # "reflective" (about 9.2 KB with its reflection) leaves room for one more row after it.
    assert await companies(1) == (["reflective", "plain1"], ["reflective", "plain1"])
    assert await companies(3) == (["plain0"], ["plain0"])
