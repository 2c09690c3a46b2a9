"""Uniqueness is a database constraint reported as ``Duplicate``; deletes cascade as behaviour.md §5 says."""

from __future__ import annotations

from uuid import uuid4

import pytest

from offertracker_core.entities import ResumeVersion, UserMilestone
from offertracker_core.errors import Duplicate
from offertracker_core.milestones import MILESTONES
from offertracker_storage import SqlStorage
from offertracker_storage.sql.tables import (
    activity_log,
    application_stages,
    applications,
    follows,
    outcomes,
    reflections,
    saved_jobs,
    tags,
)

from . import factories as f


async def _add_user_with_application(storage: SqlStorage):
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
    storage: SqlStorage, changes: dict, constraint: str
) -> None:
    async with storage.write() as uow:
        await uow.users.add(f.user("ada"))
        await uow.commit()
    async with storage.write() as uow:
        with pytest.raises(Duplicate) as caught:
            await uow.users.add(f.user(**changes))
    assert caught.value.constraint == constraint


async def test_a_second_outcome_is_a_duplicate(storage: SqlStorage) -> None:
    _, app = await _add_user_with_application(storage)
    async with storage.write() as uow:
        await uow.outcomes.add(f.outcome(app.id))
        with pytest.raises(Duplicate) as caught:
            await uow.outcomes.add(f.outcome(app.id))
    assert caught.value.constraint == "outcomes.application_id"


async def test_a_second_reflection_is_a_duplicate(storage: SqlStorage) -> None:
    _, app = await _add_user_with_application(storage)
    async with storage.write() as uow:
        await uow.reflections.add(f.reflection(app.id))
        with pytest.raises(Duplicate) as caught:
            await uow.reflections.add(f.reflection(app.id))
    assert caught.value.constraint == "reflections.application_id"


async def test_a_milestone_awarded_twice_is_a_duplicate(storage: SqlStorage) -> None:
    ada, _ = await _add_user_with_application(storage)
    milestone_id = MILESTONES[0].id
    async with storage.write() as uow:
        await uow.progress.award(UserMilestone(uuid4(), ada.id, milestone_id, f.T0))
        with pytest.raises(Duplicate) as caught:
            await uow.progress.award(UserMilestone(uuid4(), ada.id, milestone_id, f.T0))
    assert caught.value.constraint == "user_milestones.user_id,milestone_id"


async def test_composite_uniqueness_names_every_column(storage: SqlStorage) -> None:
    ada, _ = await _add_user_with_application(storage)
    bob = f.user("bob")
    async with storage.write() as uow:
        await uow.users.add(bob)
        await uow.commit()
    follow = {"follower_id": ada.id, "following_id": bob.id, "created_at": f.T0}
    tag = {"user_id": ada.id, "name": "remote", "color": "#6366f1", "created_at": f.T0}
    await f.insert_rows(storage, follows, [{"id": uuid4(), **follow}])
    await f.insert_rows(storage, tags, [{"id": uuid4(), **tag}])
    with pytest.raises(Duplicate) as caught:
        await f.insert_rows(storage, follows, [{"id": uuid4(), **follow}])
    assert caught.value.constraint == "follows.follower_id,following_id"
    with pytest.raises(Duplicate) as caught:
        await f.insert_rows(storage, tags, [{"id": uuid4(), **tag}])
    assert caught.value.constraint == "tags.user_id,name"


async def test_deleting_an_application_deletes_its_children_and_activity(storage: SqlStorage) -> None:
    ada, app = await _add_user_with_application(storage)
    kept = f.application(ada.id)
    async with storage.write() as uow:
        await uow.applications.add(kept)
        await uow.stages.add(f.stage(app.id))
        await uow.stages.add(f.stage(kept.id))
        await uow.outcomes.add(f.outcome(app.id))
        await uow.reflections.add(f.reflection(app.id))
        await uow.activity.add_many([f.activity(ada.id, app.id), f.activity(ada.id, kept.id)])
        await uow.commit()
    async with storage.write() as uow:
        await uow.applications.delete(app.id)
        await uow.commit()
    for table in (application_stages, outcomes, reflections, activity_log):
        assert await f.count_rows(storage, table, application_id=app.id) == 0, table.name
        assert await f.count_rows(storage, table) == (1 if table in (application_stages, activity_log) else 0)
    async with storage.read() as uow:
        assert await uow.applications.get(app.id) is None
        assert await uow.applications.get(kept.id) == kept


async def test_a_converted_saved_job_keeps_existing_with_a_null_link(storage: SqlStorage) -> None:
    ada, app = await _add_user_with_application(storage)
    job_id = uuid4()
    row = {
        "id": job_id,
        "user_id": ada.id,
        "company_name": "Acme",
        "salary_currency": "USD",
        "priority": "Medium",
        "status": "Converted",
        "converted_to_application_id": app.id,
        "created_at": f.T0,
        "updated_at": f.T0,
    }
    await f.insert_rows(storage, saved_jobs, [row])
    async with storage.write() as uow:
        await uow.applications.delete(app.id)
        await uow.commit()

    def link(conn):
        from sqlalchemy import select

        return conn.execute(
            select(saved_jobs.c.converted_to_application_id).where(saved_jobs.c.id == job_id)
        ).one()

    async with storage.read() as uow:
        assert tuple(await uow.execute(link)) == (None,)


async def test_deleting_a_resume_unlinks_the_applications_that_used_it(storage: SqlStorage) -> None:
    ada = f.user("ada")
    cv = f.resume(ada.id)
    app = f.application(ada.id, resume_version_id=cv.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.owned(ResumeVersion).add(cv)
        await uow.applications.add(app)
        await uow.commit()
    async with storage.write() as uow:
        await uow.owned(ResumeVersion).delete(cv.id)
        await uow.commit()
    async with storage.read() as uow:
        loaded = await uow.applications.get(app.id)
    assert loaded is not None
    assert loaded.resume_version_id is None


async def test_deleting_a_user_deletes_everything_they_own(storage: SqlStorage) -> None:
    ada, app = await _add_user_with_application(storage)
    async with storage.write() as uow:
        await uow.stages.add(f.stage(app.id))
        await uow.activity.add_many([f.activity(ada.id, app.id)])
        await uow.commit()

    def delete_user(conn):
        from sqlalchemy import delete

        from offertracker_storage.sql.tables import users

        conn.execute(delete(users).where(users.c.id == ada.id))

    async with storage.write() as uow:
        await uow.execute(delete_user)
        await uow.commit()
    for table in (applications, application_stages, activity_log):
        assert await f.count_rows(storage, table) == 0, table.name
