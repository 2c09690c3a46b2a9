"""Uniqueness rules raise ``Duplicate`` naming the constraint; deletes cascade as behaviour.md §5 says."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import attrs
import pytest

from offertracker_core.entities import Application, ResumeVersion, User, UserMilestone
from offertracker_core.errors import Duplicate
from offertracker_core.milestones import MILESTONES
from offertracker_core.ports import Storage

from ..storage import factories as f


async def _ada_with_application(storage: Storage) -> tuple[User, Application]:
    ada = f.user("ada")
    app = f.application(ada.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(app)
        await uow.commit()
    return ada, app


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"username": "ada", "email": "other@example.com"}, "users.username"),
        ({"username": "other", "email": "ada@example.com"}, "users.email"),
    ],
)
async def test_a_taken_username_or_email_is_a_duplicate(
    storage: Storage, changes: dict[str, str], constraint: str
) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()
    async with storage.write() as uow:
        with pytest.raises(Duplicate) as caught:
            await uow.users.add(f.user(**changes))
    assert caught.value.constraint == constraint
    async with storage.read() as uow:
        assert await uow.users.get_by_username("ada") == ada
        assert await uow.users.get_by_username("other") is None


async def test_a_user_clashing_on_both_is_a_duplicate_of_either(storage: Storage) -> None:
    # Which one is reported is the database's choice (PostgreSQL checks the email first,
    # SQLite the username); the service checks username before email itself (behaviour.md §2).
    async with storage.write() as uow:
        await uow.users.add(f.user("ada"))
        await uow.commit()
    async with storage.write() as uow:
        with pytest.raises(Duplicate) as caught:
            await uow.users.add(f.user("ada"))
    assert caught.value.constraint in {"users.username", "users.email"}


async def test_a_second_outcome_is_a_duplicate(storage: Storage) -> None:
    _, app = await _ada_with_application(storage)
    first = f.outcome(app.id)
    async with storage.write() as uow:
        await uow.outcomes.add(first)
        with pytest.raises(Duplicate) as caught:
            await uow.outcomes.add(f.outcome(app.id))
    assert caught.value.constraint == "outcomes.application_id"


async def test_a_second_reflection_is_a_duplicate(storage: Storage) -> None:
    _, app = await _ada_with_application(storage)
    async with storage.write() as uow:
        await uow.reflections.add(f.reflection(app.id))
        await uow.commit()
    async with storage.write() as uow:
        with pytest.raises(Duplicate) as caught:
            await uow.reflections.add(f.reflection(app.id))
    assert caught.value.constraint == "reflections.application_id"


async def test_a_milestone_awarded_twice_is_a_duplicate(storage: Storage) -> None:
    ada, _ = await _ada_with_application(storage)
    milestone_id = MILESTONES[0].id
    async with storage.write() as uow:
        await uow.progress.award(UserMilestone(uuid4(), ada.id, milestone_id, f.T0))
        with pytest.raises(Duplicate) as caught:
            await uow.progress.award(UserMilestone(uuid4(), ada.id, milestone_id, f.at(1)))
    assert caught.value.constraint == "user_milestones.user_id,milestone_id"


async def test_deleting_an_application_deletes_its_children_and_its_activity(
    storage: Storage, backdoor: Any
) -> None:
    ada, app = await _ada_with_application(storage)
    kept = f.application(ada.id, created_at=f.at(1))
    gone_stage, kept_stage = f.stage(app.id), f.stage(kept.id)
    gone_outcome, gone_reflection = f.outcome(app.id), f.reflection(app.id)
    kept_entry = f.activity(ada.id, kept.id)
    async with storage.write() as uow:
        await uow.applications.add(kept)
        for step in (gone_stage, kept_stage):
            await uow.stages.add(step)
        await uow.outcomes.add(gone_outcome)
        await uow.reflections.add(gone_reflection)
        await uow.activity.add_many([f.activity(ada.id, app.id), kept_entry])
        await uow.commit()
    async with storage.write() as uow:
        await uow.applications.delete(app.id)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.applications.get(app.id) is None
        assert await uow.applications.get_detail(app.id) is None
        assert await uow.stages.get(gone_stage.id) is None
        assert await uow.outcomes.get(gone_outcome.id) is None
        assert await uow.reflections.get(gone_reflection.id) is None
        assert await uow.outcomes.get_for_application(app.id) is None
        assert await uow.reflections.get_for_application(app.id) is None
        remaining = await uow.applications.get_detail(kept.id)
    assert remaining is not None
    assert (remaining.application, remaining.stages) == (kept, (kept_stage,))
    assert await backdoor.activity_of(ada.id) == [kept_entry]


async def test_deleting_a_resume_unlinks_the_applications_that_used_it(storage: Storage) -> None:
    ada = f.user("ada")
    cv, other_cv = f.resume(ada.id), f.resume(ada.id)
    linked = f.application(ada.id, resume_version_id=cv.id)
    unrelated = f.application(ada.id, resume_version_id=other_cv.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.owned(ResumeVersion).add(cv)
        await uow.owned(ResumeVersion).add(other_cv)
        await uow.applications.add(linked)
        await uow.applications.add(unrelated)
        await uow.commit()
    async with storage.write() as uow:
        await uow.owned(ResumeVersion).delete(cv.id)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.applications.get(linked.id) == attrs.evolve(linked, resume_version_id=None)
        assert await uow.applications.get(unrelated.id) == unrelated
        assert await uow.owned(ResumeVersion).get(other_cv.id) == other_cv
